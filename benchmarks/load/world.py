"""The load benchmark's world, built and checked through the portal's own services.

``python -m benchmarks.load.world prepare CONFIG`` migrates the database, loads the catalog and
the demo data set (schools, staff, a scheduled cohort with its lessons, discussion and exam), and
adds, idempotently, what 200 simultaneous users need: one school contact per staff user (each
school files its own receipts), a receipt of ``HEARTBEAT_LEARNERS + CERTIFICATE_LEARNERS`` people
filed, submitted, approved and placed in the demo cohort (so the learners are made by the
placement), a long video lesson they are watching, and certificates issued and rendered for the
last ones after they finished their study (the demo's finishing path, then the issuing service).
Each user gets a signed-in session. CONFIG (JSON) tells the locustfile who is who.

``python -m benchmarks.load.world check CONFIG RESULTS`` counts, in the database, what locust
was told was written (RESULTS, written by the locustfile) and prints the writes that are missing.
"""

import datetime
import json
import os
import sys
from decimal import Decimal

STAFF = int(os.environ.get("BENCH_LOAD_STAFF", "30"))
HEARTBEAT_LEARNERS = int(os.environ.get("BENCH_LOAD_LEARNERS", "100"))
CERTIFICATE_LEARNERS = int(os.environ.get("BENCH_LOAD_CERTIFICATES", "20"))
DEPARTMENT = "党委组织部（负载测试）"
LESSON_TITLE = "负载测试：高校党建工作专题（长视频）"
LESSON_SECONDS = 10**7  # never learnt to the end in a run: every beat is an ordinary credited one
ROSTER_AREA = "110108"


def receipt_data(institution, today: datetime.date) -> dict:
    """A receipt's fields as a school contact fills them in (the demo's, for the bench school)."""
    return {
        "department": DEPARTMENT,
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
    }


def id_number(area: str, birth: datetime.date, sequence: int) -> str:
    """A well-formed resident ID number (the 17th digit's parity is the gender: odd for men)."""
    from portal import pii

    first17 = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + pii.check_digit(first17)


def roster_xlsx(people: list[dict], program_name: str) -> bytes:
    """A roster spreadsheet as a school fills in the template: the header row, one row a person."""
    import io

    from openpyxl import Workbook

    from enrollment.rosters.columns import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append([column.header for column in COLUMNS])
    for person in people:
        sheet.append([{**person, "program": program_name}[c.key] for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_people(count: int, *, first_sequence: int, birth: datetime.date, tag: str) -> list[dict]:
    names = ["张明", "李华", "王芳", "赵磊", "陈静", "刘洋", "杨帆", "黄丽", "欧阳建国", "吉𠮷"]
    people = []
    for n in range(count):
        sequence = first_sequence + n
        people.append(
            {
                "name": names[sequence % len(names)],
                "gender": "男" if sequence % 2 else "女",
                "id_number": id_number(ROSTER_AREA, birth, sequence),
                "mobile": f"139{sequence:08d}",
                "department": tag,
                "post": "党务工作者",
                "party_status": "正式党员",
            }
        )
    return people


def session_of(user) -> str:
    """A signed-in session of ``user``, as the log-in page leaves it (no password hashed here)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def prepare(config_path: str) -> None:
    import django

    django.setup()
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.services import certificate_issue_with_pdf, certificate_render
    from courses.models import Cohort, Lesson, Program
    from courses.services import catalog_load
    from enrollment.models import Institution, InstitutionType, Province, Receipt, desk_for_type
    from enrollment.services import (
        LineRequest,
        provinces_load,
        receipt_approve,
        receipt_create,
        receipt_submit,
        roster_import,
    )
    from learners.models import (
        Enrollment,
        EnrollmentStatus,
        Essay,
        EssayStatus,
        Learner,
        LessonProgress,
    )
    from learners.services import cohort_place_line
    from portal.demo import _demo_finished_learner, demo_load
    from portal.demo_discussion import ESSAY_PASSED, ESSAY_TITLE_PASSED
    from portal.models import Role, User
    from portal.signing import write_development_pair

    if not Path(settings.PDF_SIGNING_KEY_FILE).exists():
        write_development_pair(
            Path(settings.PDF_SIGNING_KEY_FILE),
            Path(settings.PDF_SIGNING_CERT_FILE),
            Path(settings.PDF_SIGNING_CHAIN_FILE),
            organization=settings.CERTIFICATE_ISSUER,
        )
    call_command("migrate", verbosity=0, interactive=False)
    provinces_load()
    catalog_load()
    demo_load()
    program = Program.objects.get(code="party-affairs-staff")
    cohort = Cohort.objects.get(program=program, name="2026年第1期")
    coordinator = User.objects.get(username="coord-ug")
    province = Province.objects.get(code="11")

    staff = []
    for n in range(1, STAFF + 1):
        school, _ = Institution.objects.get_or_create(
            code=f"41110970{n:02d}",
            defaults={
                "name": f"负载测试第{n}大学",
                "type": InstitutionType.UNDERGRADUATE,
                "desk": desk_for_type(InstitutionType.UNDERGRADUATE),
                "province": province,
            },
        )
        user, _ = User.objects.get_or_create(
            username=f"load-school-{n}",
            defaults={
                "full_name": f"{school.name}组织部联系人",
                "role": Role.INSTITUTION_STAFF,
                "institution": school,
            },
        )
        staff.append(user)

    # The learners: one receipt of the first bench school, filed, approved and placed.
    people = HEARTBEAT_LEARNERS + CERTIFICATE_LEARNERS
    school = staff[0].institution
    receipt = Receipt.objects.filter(institution=school, department=DEPARTMENT).first()
    if receipt is None:
        with transaction.atomic():
            today = timezone.localdate()
            receipt = receipt_create(
                institution=school,
                by=staff[0],
                data=receipt_data(school, today),
                lines=[LineRequest(program=program, participants=people)],
            )
            rows = roster_people(
                people, first_sequence=0, birth=datetime.date(1980, 1, 1), tag="组织部"
            )
            result = roster_import(
                receipt=receipt, data=roster_xlsx(rows, program.name), by=staff[0], consent=True
            )
            assert result.ok, [str(e) for e in result.errors[:5]]
            receipt_submit(receipt=receipt, by=staff[0])
            receipt_approve(receipt=receipt, by=coordinator, comment="材料齐全，同意。")
            if cohort.capacity < cohort.enrollments.count() + people:
                cohort.capacity = cohort.enrollments.count() + people
                cohort.save(update_fields=["capacity"])
            cohort_place_line(cohort=cohort, line=receipt.lines.get(), by=coordinator)
    entries = list(receipt.roster.order_by("row_number"))
    by_hash = {
        learner.id_hash: learner.user
        for learner in Learner.objects.select_related("user").filter(
            id_hash__in=[e.id_hash for e in entries]
        )
    }
    learners = [by_hash[e.id_hash] for e in entries]
    for number, user in enumerate(learners, start=1):
        if user.username != f"load-learner-{number}" or user.must_change_password:
            user.username = f"load-learner-{number}"
            user.must_change_password = False  # she chose her own password at her first log-in
            user.save(update_fields=["username", "must_change_password"])

    # A run started within a minute of the last one would find each learner's counting window
    # still held by the previous run's tab (the single-window rule): those tabs are closed now.
    Learner.objects.filter(user__in=learners).update(study_tab="", study_beat_at=None)

    lesson = Lesson.objects.filter(program=program, title=LESSON_TITLE).first()
    if lesson is None:
        lesson = Lesson(
            program=program,
            title=LESSON_TITLE,
            speaker="王老师",
            duration_seconds=LESSON_SECONDS,
            hours=Decimal("1.0"),
            is_theory=True,
        )
        lesson.video.name = program.lessons.exclude(video="").first().video.name
        lesson.save()

    # The last ones finished their study; their certificates are issued and rendered.
    certificates = []
    now = timezone.now()
    for user in learners[HEARTBEAT_LEARNERS:]:
        enrollment = Enrollment.objects.get(cohort=cohort, learner=user)
        Essay.objects.get_or_create(  # passed, as the demo's finished learner's
            enrollment=enrollment,
            defaults={
                "title": ESSAY_TITLE_PASSED,
                "body": ESSAY_PASSED,
                "status": EssayStatus.PASSED,
                "submitted_at": now - datetime.timedelta(days=3),
                "revision": 1,
                "reviewed_by": coordinator,
                "reviewed_at": now - datetime.timedelta(days=2),
                "comment": "结合实际，认识深刻，条理清楚，予以通过。",
            },
        )
        _demo_finished_learner(cohort, user.username)
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.COMPLETED, enrollment.status
        certificate = certificate_issue_with_pdf(enrollment_id=enrollment.pk)
        assert certificate is not None, "no certificate issued"
        assert certificate.pdf, "no certificate PDF"
        if not certificate.pdf.storage.exists(certificate.pdf.name):  # a new media directory
            certificate = certificate_render(certificate=certificate, force=True)
        certificates.append(certificate)

    heartbeat = []
    for user in learners[:HEARTBEAT_LEARNERS]:
        enrollment = Enrollment.objects.get(cohort=cohort, learner=user)
        progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
        heartbeat.append(
            {
                "session": session_of(user),
                "enrollment": enrollment.pk,
                "lesson": lesson.pk,
                "watched": progress.watched_seconds if progress else 0,
            }
        )
    config = {
        "program": program.pk,
        "program_name": program.name,
        "since": timezone.now().isoformat(),
        "staff": [
            {"session": session_of(user), "user": user.pk, "index": n}
            for n, user in enumerate(staff)
        ],
        "heartbeat": heartbeat,
        "certificates": [
            {"session": session_of(c.learner), "pk": c.pk, "serial": c.serial, "token": c.token}
            for c in Certificate.objects.filter(pk__in=[c.pk for c in certificates])
        ],
        "receipts_before": Receipt.objects.filter(created_by__in=staff).count(),
    }
    with open(config_path, "w") as out:
        json.dump(config, out)
    print(
        f"world: {len(staff)} school contacts, {len(heartbeat)} learners watching "
        f"{lesson.title}, {len(certificates)} certificates issued; cohort {cohort} "
        f"({cohort.enrollments.count()} places)"
    )


def check(config_path: str, results_path: str) -> int:
    """Print every write locust was answered for that the database does not hold; return how many."""
    import django

    django.setup()
    from courses.models import Lesson  # noqa: F401 - the app registry is ready
    from enrollment.models import Receipt, ReceiptStatus
    from learners.models import LessonProgress

    with open(config_path) as source:
        config = json.load(source)
    with open(results_path) as source:
        results = json.load(source)
    lost = []
    staff = [s["user"] for s in config["staff"]]
    receipts = {
        r.pk: r
        for r in Receipt.objects.filter(pk__in=results["created"]).prefetch_related("roster")
    }
    lost += [f"receipt {pk} not stored" for pk in results["created"] if pk not in receipts]
    for pk in results["submitted"]:
        receipt = receipts.get(pk)
        if receipt is None:
            continue
        if receipt.status != ReceiptStatus.SUBMITTED:
            lost.append(f"receipt {pk} is {receipt.status}, not submitted")
        roster = list(receipt.roster.all())
        if len(roster) != results["submitted_people"]:
            lost.append(f"receipt {pk}: {len(roster)} people, {results['submitted_people']} sent")
    for pk, tag in results["uploads"].items():
        receipt = receipts.get(int(pk))
        if receipt is None:
            continue
        roster = list(receipt.roster.all())
        stored = {entry.department for entry in roster}
        # the last one answered, or one sent after it that the end of the run left unanswered
        sent = results["uploads_sent"].get(pk, tag)
        if len(roster) != results["upload_people"] or stored not in ({tag}, {sent}):
            lost.append(f"receipt {pk}: last roster {tag!r} not stored ({len(roster)} people)")
    created_in_db = Receipt.objects.filter(created_by__in=staff).count() - config["receipts_before"]
    # more may be stored than were answered: a form sent when the run stopped, never answered
    if not len(results["created"]) <= created_in_db <= len(results["created"]) + len(staff):
        lost.append(
            f"{created_in_db} receipts in the database, {len(results['created'])} answered as saved"
        )
    progress = {
        (p.enrollment_id, p.lesson_id): p
        for p in LessonProgress.objects.filter(
            enrollment_id__in=[h["enrollment"] for h in config["heartbeat"]]
        )
    }
    beats = 0
    for learner in config["heartbeat"]:
        acked = results["beats"].get(str(learner["enrollment"]))
        if acked is None:
            continue
        beats += acked["count"]
        row = progress.get((learner["enrollment"], learner["lesson"]))
        stored = row.watched_seconds if row else None
        # the time credited by the last beat answered; at most one beat more (10 s and the slack)
        # when the run stopped with a beat on its way
        if stored is None or not acked["watched"] <= stored <= acked["watched"] + 15:
            lost.append(
                f"enrollment {learner['enrollment']}: {stored} s stored, {acked['watched']} s answered"
            )
    print(
        f"writes checked in the database: {len(results['created'])} receipts saved "
        f"({len(results['submitted'])} submitted with their roster), "
        f"{sum(results['upload_counts'].values())} roster uploads (last of each receipt compared), "
        f"{beats} heartbeats of {len(results['beats'])} learners (credited time compared)"
    )
    for line in lost[:20]:
        print(f"  LOST: {line}")
    return len(lost)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "prepare":
        prepare(*arguments)
    elif command == "check":
        missing = check(*arguments)
        print(f"lost writes: {missing}")
        sys.exit(0)
    else:
        sys.exit(f"unknown command {command!r}")
