"""The demo data set that ``make run`` loads: idempotent, so running it twice changes nothing.

Every account's password is DEMO_PASSWORD; it is for trying the portal on one's own machine only.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses.models import Cohort, Program
from courses.services import cohort_create
from enrollment.models import (
    Institution,
    InstitutionType,
    Province,
    Receipt,
    ReceiptStatus,
    desk_for_type,
)
from enrollment.services import (
    LineRequest,
    receipt_approve,
    receipt_create,
    receipt_submit,
    roster_add_person,
)
from learners.models import Learner
from learners.services import cohort_place_line
from portal import pii
from portal.models import Desk, Role, User

DEMO_PASSWORD = "demo-2026-portal"  # noqa: S105 - a documented demo credential

INSTITUTIONS = [
    ("4111099001", "北京示范大学", InstitutionType.UNDERGRADUATE, "11"),
    ("4111099002", "北京示范职业技术学院", InstitutionType.VOCATIONAL, "11"),
    ("4132099001", "江苏示范大学", InstitutionType.UNDERGRADUATE, "32"),
    ("4132099002", "江苏示范职业技术学院", InstitutionType.VOCATIONAL, "32"),
    ("4132099003", "江苏民办示范学院", InstitutionType.PRIVATE, "32"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str


def _user(username: str, full_name: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, **fields}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    institutions = {}
    for code, name, kind, province_code in INSTITUTIONS:
        institutions[code], _ = Institution.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "type": kind,
                "desk": desk_for_type(kind),
                "province": Province.objects.get(code=province_code),
            },
        )
    logins = []

    admin = _user("admin", "系统管理员", is_staff=True, is_superuser=True)
    logins.append(DemoLogin(admin.username, "系统管理员（全部权限）"))
    for username, name, desk in [
        ("coord-ug", "袁老师", Desk.UNDERGRADUATE),
        ("coord-voc", "王老师", Desk.VOCATIONAL),
    ]:
        _user(username, name, role=Role.ACADEMY_COORDINATOR, desk=desk, is_staff=True)
        logins.append(DemoLogin(username, f"学院项目负责人（{desk.label}条线）"))
    for username, name, province_code in [
        ("prov-bj", "北京市委教育工委联络员", "11"),
        ("prov-js", "江苏省委教育工委联络员", "32"),
    ]:
        province = Province.objects.get(code=province_code)
        _user(username, name, role=Role.PROVINCIAL_COORDINATOR, province=province)
        logins.append(DemoLogin(username, f"省级统筹（{province.name}）"))
    for index, code in enumerate(institutions, start=1):
        institution = institutions[code]
        username = f"school-{index}"
        _user(
            username,
            f"{institution.name}组织部联系人",
            role=Role.INSTITUTION_STAFF,
            institution=institution,
        )
        logins.append(DemoLogin(username, f"参训单位联系人（{institution.name}）"))

    coordinators = {
        desk: User.objects.get(username=name)
        for name, desk in [("coord-ug", Desk.UNDERGRADUATE), ("coord-voc", Desk.VOCATIONAL)]
    }
    cohort = _demo_scheduled_receipt(institutions["4111099001"], coordinators[Desk.UNDERGRADUATE])
    _demo_study(cohort)
    _demo_hours(institutions["4111099001"])
    _demo_receipt(institutions["4132099002"], people=3, area="320102", submit=True)
    _demo_receipt(institutions["4132099001"], people=0, area="320104", submit=False)
    logins.append(DemoLogin("learner-1", f"学员（{institutions['4111099001'].name}，{cohort}）"))
    return logins


def _demo_study(cohort: Cohort) -> None:
    """What the demo program is studied through, and how far the demo learners have got.

    (Imported here: the study demos reuse this module's people.)"""
    from portal.demo_discussion import load_discussion_demo
    from portal.demo_exam import load_exam_demo
    from portal.demo_lessons import load_lessons_demo
    from portal.demo_simulation import load_live_demo, load_simulation_demo

    load_lessons_demo(cohort.program)
    load_exam_demo(cohort.program)
    load_discussion_demo(cohort)
    load_live_demo(cohort)
    load_simulation_demo()
    program = cohort.program
    if not program.activity_hours:  # the discussion, essay and exam earn hours of their own
        program.activity_hours = Decimal("4.0")
        program.activity_hours_theory = True
        program.save(update_fields=["activity_hours", "activity_hours_theory", "updated_at"])
    _demo_finished_learner(cohort, "learner-3")


def _demo_hours(institution: Institution) -> None:
    """The demo school's people's hour ledger, so its dashboard shows who stands where."""
    from portal.demo_hours import load_hours_demo

    load_hours_demo(institution)


def _demo_finished_learner(cohort: Cohort, username: str) -> None:
    """One demo learner has done everything: her place is complete and she filled in the survey,
    so the coordinator's progress and survey pages have something to show. Her study is written
    as it would stand (the services that record it are tested elsewhere); completion itself and the
    survey go through their services."""
    from learners.models import (
        Enrollment,
        EnrollmentStatus,
        ExamAttempt,
        LessonProgress,
        Post,
    )
    from learners.services.completion import enrollment_complete_if_met
    from learners.services.evaluation import evaluation_submit

    enrollment = Enrollment.objects.get(cohort=cohort, learner__username=username)
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return
    now = timezone.now()
    for lesson in cohort.program.lessons.all():
        LessonProgress.objects.update_or_create(
            enrollment=enrollment,
            lesson=lesson,
            defaults={
                "watched_seconds": lesson.duration_seconds,
                "position_seconds": lesson.duration_seconds,
                "completed_at": now,
            },
        )
    topic = cohort.topics.first()
    for n in range(cohort.program.min_posts - enrollment.posts.filter(is_hidden=False).count()):
        Post.objects.create(
            topic=topic,
            author=enrollment.learner,
            enrollment=enrollment,
            body=f"结合学院实际，第{n + 1}点体会：把发展党员工作的每个环节做细做实。",
        )
    if not enrollment.attempts.filter(passed=True).exists():
        ExamAttempt.objects.create(
            enrollment=enrollment,
            number=enrollment.attempts.count() + 1,
            started_at=now - timedelta(minutes=15),
            deadline=now + timedelta(minutes=5),
            submitted_at=now - timedelta(minutes=1),
            score=90,
            passed=True,
        )
    if enrollment_complete_if_met(enrollment_id=enrollment.pk):
        enrollment.refresh_from_db()
        evaluation_submit(
            enrollment=enrollment,
            ratings={"overall": 5, "content": 5, "organisation": 4, "platform": 4},
            lesson_ratings={lesson.pk: 5 for lesson in cohort.program.lessons.all()},
            comment="课程贴近高校党务工作实际，案例很有帮助；希望增加直播答疑的场次。",
        )


DEMO_DEPARTMENT = "党委组织部（演示数据）"
DEMO_NAMES = ["张明", "李华", "王芳", "赵磊", "陈静", "刘洋", "杨帆", "黄丽"]


def demo_id_number(area: str, number: int) -> str:
    first17 = f"{area}1985{(number % 12) + 1:02d}{(number % 28) + 1:02d}{number:03d}"
    return first17 + pii.check_digit(first17)


def _demo_receipt(institution: Institution, *, people: int, area: str, submit: bool) -> Receipt:
    existing = Receipt.objects.filter(institution=institution, department=DEMO_DEPARTMENT).first()
    if existing is not None:
        return existing
    staff = User.objects.get(role=Role.INSTITUTION_STAFF, institution=institution)
    program = Program.objects.get(code="party-affairs-staff")
    today = timezone.localdate()
    receipt = receipt_create(
        institution=institution,
        by=staff,
        data={
            "department": DEMO_DEPARTMENT,
            "trainee_categories": "党务工作者",
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
        lines=[LineRequest(program=program, participants=max(people, 1))],
    )
    for number in range(people):
        roster_add_person(
            receipt=receipt,
            by=staff,
            consent=True,
            values={
                "name": DEMO_NAMES[number % len(DEMO_NAMES)],
                "gender": "男" if number % 2 == 0 else "女",
                "id_number": demo_id_number(area, number + 1),
                "mobile": f"1380013{number + 1:04d}",
                "department": "组织部",
                "post": "党务工作者",
                "party_status": "正式党员",
                "program": program.name,
            },
        )
    if submit:
        return receipt_submit(receipt=receipt, by=staff)
    return receipt


def _demo_scheduled_receipt(institution: Institution, coordinator: User) -> Cohort:
    program = Program.objects.get(code="party-affairs-staff")
    cohort = Cohort.objects.filter(program=program, name="2026年第1期").first()
    if cohort is None:
        today = timezone.localdate()
        cohort = cohort_create(
            program=program,
            name="2026年第1期",
            start_date=today - timedelta(days=14),
            end_date=today + timedelta(days=30),
            capacity=100,
            coordinator=coordinator,
            by=coordinator,
        )
    receipt = _demo_receipt(institution, people=5, area="110105", submit=True)
    if receipt.status == ReceiptStatus.SUBMITTED:
        receipt_approve(receipt=receipt, by=coordinator, comment="材料齐全，同意。")
        cohort_place_line(cohort=cohort, line=receipt.lines.get(), by=coordinator)
        entries = list(receipt.roster.order_by("row_number"))
        learners = Learner.objects.select_related("user").filter(
            id_hash__in=[e.id_hash for e in entries]
        )
        by_hash = {learner.id_hash: learner for learner in learners}
        for number, entry in enumerate(entries, start=1):
            user = by_hash[entry.id_hash].user
            user.username = f"learner-{number}"
            user.set_password(DEMO_PASSWORD)
            user.must_change_password = False
            user.save(update_fields=["username", "password", "must_change_password"])
    return cohort
