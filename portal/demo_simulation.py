"""Demo data of the scenario simulation and the live sessions; idempotent like ``portal.demo``.

``load_simulation_demo`` enrolls learner-1 and learner-2 of 北京示范大学 into a cohort of the
simulation program the way a school does (a receipt, approved and placed), and takes learner-1
halfway through the 25 steps. ``load_live_demo`` gives the main demo cohort a past session that
learner-1 and learner-2 attended and an upcoming one. Both run after ``portal.demo.demo_load``.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses import simulation_2026
from courses.models import Cohort, LiveSession, Program, SimulationStep, TaskKind
from courses.services import catalog_load, cohort_create
from enrollment.models import Institution, Receipt, ReceiptStatus
from enrollment.services import (
    LineRequest,
    receipt_approve,
    receipt_create,
    receipt_submit,
    roster_add_person,
)
from learners.models import Enrollment, StepProgress
from learners.selectors import study_open
from learners.services import cohort_place_line
from learners.services.live import attendance_record, live_session_create
from learners.services.simulation import simulation_answer
from portal.demo import DEMO_NAMES, demo_id_number
from portal.models import Role, User

SIMULATION_COHORT = "2026年第1期（情景模拟）"
SIMULATION_DEPARTMENT = "党委组织部（情景模拟演示）"
DEMO_SCHOOL = "4111099001"
DEMO_AREA = "110105"  # the area of the main demo cohort's people: the same persons again
HALFWAY = 12


def _simulation_receipt(institution: Institution, program: Program, people: int) -> Receipt:
    existing = Receipt.objects.filter(
        institution=institution, department=SIMULATION_DEPARTMENT
    ).first()
    if existing is not None:
        return existing
    staff = User.objects.get(role=Role.INSTITUTION_STAFF, institution=institution)
    today = timezone.localdate()
    receipt = receipt_create(
        institution=institution,
        by=staff,
        data={
            "department": SIMULATION_DEPARTMENT,
            "trainee_categories": "党务工作者、组织员",
            "leader_name": "周建国",
            "leader_title": "组织部部长",
            "leader_mobile": "13800138000",
            "liaison_name": "吴敏",
            "liaison_phone": "010-62750000",
            "liaison_mobile": "13900139000",
            "liaison_email": "liaison@example.edu.cn",
            "liaison_fax": "",
            "postal_address": f"{institution.province.name}示范路 1 号 {institution.name}",
            "postcode": "100871",
            "preferred_start_date": today,
            "study_length_days": 45,
            "invoice_title": institution.name,
            "taxpayer_id": "12100000400000624D",
            "suggestions": "",
            "filled_on": today,
        },
        lines=[LineRequest(program=program, participants=people)],
    )
    for number in range(people):
        roster_add_person(
            receipt=receipt,
            by=staff,
            consent=True,
            values={
                "name": DEMO_NAMES[number % len(DEMO_NAMES)],
                "gender": "男" if number % 2 == 0 else "女",
                "id_number": demo_id_number(DEMO_AREA, number + 1),
                "mobile": f"1380013{number + 1:04d}",
                "department": "组织部",
                "post": "党务工作者",
                "party_status": "正式党员",
                "program": program.name,
            },
        )
    return receipt_submit(receipt=receipt, by=staff)


def _demo_document(step: SimulationStep) -> str:
    points = "；".join(k for k in step.document_keywords.split("、") if k)
    body = "按照《中国共产党发展党员工作细则》的要求，逐项如实记录有关情况并提出意见。" * 4
    return f"{step.document_template}\n本文书写明：{points}。\n{body}"


def _take_halfway(enrollment: Enrollment) -> None:
    if StepProgress.objects.filter(enrollment=enrollment).exists():
        return
    steps = SimulationStep.objects.prefetch_related("options").order_by("number")[:HALFWAY]
    for step in steps:
        if step.task_kind == TaskKind.DOCUMENT:
            simulation_answer(enrollment=enrollment, step=step, document=_demo_document(step))
        else:
            right = next(option for option in step.options.all() if option.is_correct)
            simulation_answer(enrollment=enrollment, step=step, choice=right)


@transaction.atomic
def load_simulation_demo() -> Cohort:
    """A cohort of the simulation program with learner-1 (halfway) and learner-2 (not started)."""
    catalog_load()
    program = Program.objects.get(code=simulation_2026.PROGRAM_CODE)
    coordinator = User.objects.get(username="coord-ug")
    cohort = Cohort.objects.filter(program=program, name=SIMULATION_COHORT).first()
    if cohort is None:
        today = timezone.localdate()
        cohort = cohort_create(
            program=program,
            name=SIMULATION_COHORT,
            start_date=today - timedelta(days=7),
            end_date=today + timedelta(days=40),
            capacity=50,
            coordinator=coordinator,
            by=coordinator,
        )
    institution = Institution.objects.get(code=DEMO_SCHOOL)
    receipt = _simulation_receipt(institution, program, people=2)
    if receipt.status == ReceiptStatus.SUBMITTED:
        receipt = receipt_approve(receipt=receipt, by=coordinator, comment="材料齐全，同意。")
    line = receipt.lines.get()
    if receipt.status == ReceiptStatus.APPROVED and line.cohort_id is None:
        cohort_place_line(cohort=cohort, line=line, by=coordinator)
    first = Enrollment.objects.filter(cohort=cohort, learner__username="learner-1").first()
    if first is not None and study_open(first):
        _take_halfway(first)
    return cohort


LIVE_SESSIONS = [
    # (title, speaker, days from today, hours, theory hours?)
    ("直播导学：高校基层党务工作的新要求", "王教授", -3, Decimal("1.5"), True),
    ("专家答疑：“三会一课”与主题党日的规范开展", "李教授", 5, Decimal("1.5"), False),
]
ATTENDED = ["learner-1", "learner-2"]


@transaction.atomic
def load_live_demo(cohort: Cohort) -> list[LiveSession]:
    """Two sessions of ``cohort`` at 19:00 local time: one past (learner-1 and learner-2
    attended), one upcoming."""
    coordinator = User.objects.get(username="coord-ug")
    evening = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    sessions: list[LiveSession] = []
    for title, speaker, days, hours, theory in LIVE_SESSIONS:
        session = LiveSession.objects.filter(cohort=cohort, title=title).first()
        if session is None:
            session = live_session_create(
                cohort=cohort,
                by=coordinator,
                data={
                    "title": title,
                    "speaker": speaker,
                    "starts_at": evening + timedelta(days=days),
                    "duration_minutes": 90,
                    "link": f"https://live.example.edu.cn/demo/{cohort.pk}-{len(sessions) + 1}",
                    "hours": hours,
                    "is_theory": theory,
                },
            )
        sessions.append(session)
    past = sessions[0]
    if past.starts_at <= timezone.now() and timezone.localdate() <= cohort.end_date:
        places = Enrollment.objects.filter(cohort=cohort, learner__username__in=ATTENDED)
        attendance_record(session=past, enrollments=list(places), by=coordinator)
    return sessions
