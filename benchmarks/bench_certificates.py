"""The certificates' cost (`make bench-certificates`): a cohort's batch and one certificate on its
own, against WeasyPrint's layout-only time for the same certificates, measured in the same run.

A cohort of ``BENCH_CERTIFICATES_COUNT`` (500) completed places is issued in one batch by the
service the Celery task runs (issue, render, sign, store through Django's storage). The baseline
lays out the very same certificates' HTML with WeasyPrint (``HTML(...).render()``, with the
portal's URL fetcher, no PDF written). Then one more place is certified on its own (what the task
sent on completion does), against the layout of that one certificate.

Targets (issue 9): the batch at most 2x the layout-only time of its certificates; one certificate
at most 10x the layout-only time of one. The PDFs made must still embed their fonts, give back the
learner's name and the program as text, and carry a valid signature of the academy. Uses
DATABASE_URL when set (PostgreSQL in CI), else SQLite; the vendor is part of each target's name.
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

COUNT = int(os.environ.get("BENCH_CERTIFICATES_COUNT", "500"))
SINGLE_ROUNDS = int(os.environ.get("BENCH_CERTIFICATES_SINGLE_ROUNDS", "5"))
BATCH_LIMIT = 2.0
SINGLE_LIMIT = 10.0
# Names as a roster holds them, rare characters included (CJK Extension A and B).
NAMES = ["张晓明", "李华", "王芳", "吉𠮷", "龚䶮", "王𡒄", "欧阳建国", "赵磊"]


def main() -> bool:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from portal.signing import write_development_pair

    work = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    keys = (work / "key.pem", work / "cert.pem", work / "ca.pem")
    write_development_pair(*keys, organization=settings.CERTIFICATE_ISSUER)
    settings.PDF_SIGNING_KEY_FILE, settings.PDF_SIGNING_CERT_FILE = str(keys[0]), str(keys[1])
    settings.PDF_SIGNING_CHAIN_FILE = str(keys[2])
    settings.MEDIA_ROOT = work / "media"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return measure(work)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(work, ignore_errors=True)


def places(count: int, *, first: int):
    """``count`` completed places of one cohort, each with a person behind it."""
    from django.utils import timezone

    from courses.models import Cohort, Lesson, Program
    from enrollment.models import Institution, InstitutionType, Province
    from learners.models import Enrollment, EnrollmentStatus, Learner, LessonProgress
    from portal import pii
    from portal.models import Desk, Role, User

    program = Program.objects.get(code="party-affairs-staff")
    if not program.lessons.exists():
        # Every lesson watched is what these places met; nothing else is asked of them.
        program.require_all_lessons = True
        program.require_essay = program.require_exam = False
        program.min_posts = program.min_live_sessions = 0
        program.require_simulation = False
        program.save()
        Lesson.objects.bulk_create(
            Lesson(
                program=program,
                title=f"第{n}讲 习近平新时代中国特色社会主义思想专题",
                speaker="王老师",
                video="bench/lesson.webm",
                duration_seconds=1800,
                hours=Decimal("1.0"),
                is_theory=n % 2 == 0,
            )
            for n in range(1, 15)
        )
    school, _ = Institution.objects.get_or_create(
        code="4111099999",
        defaults={
            "name": "基准测试大学",
            "type": InstitutionType.UNDERGRADUATE,
            "desk": Desk.UNDERGRADUATE,
            "province": Province.objects.get(code="11"),
        },
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        program=program,
        name=f"基准期次{first}",
        start_date=today - datetime.timedelta(days=40),
        end_date=today - datetime.timedelta(days=1),
        capacity=max(count, 1),
    )
    users = User.objects.bulk_create(
        User(username=f"bench-cert-{first + n}", role=Role.LEARNER, institution=school)
        for n in range(count)
    )
    encrypted = pii.encrypt("11010519491231002X")  # one ciphertext: not what is measured
    Learner.objects.bulk_create(
        Learner(
            user=user,
            name=NAMES[n % len(NAMES)],
            id_encrypted=encrypted,
            id_hash=f"{first + n:064x}",
            id_masked="110105********002X",
            issued_by=school,
        )
        for n, user in enumerate(users)
    )
    now = timezone.now()
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            cohort=cohort,
            learner=user,
            institution=school,
            status=EnrollmentStatus.COMPLETED,
            completed_at=now,
            hours_earned=Decimal("16.0"),
            theory_hours_earned=Decimal("9.0"),
        )
        for user in users
    )
    lessons = list(program.lessons.all())
    LessonProgress.objects.bulk_create(
        LessonProgress(
            enrollment=enrollment,
            lesson=lesson,
            watched_seconds=lesson.duration_seconds,
            completed_at=now,
        )
        for enrollment in enrollments
        for lesson in lessons
    )
    return cohort, enrollments


def layout_seconds(certificates) -> float:
    """WeasyPrint's layout of the certificates' HTML (no PDF written): the baseline."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    from certificates.selectors import certificate_document
    from certificates.services.rendering import TEMPLATE
    from portal.pdf import SCHEME, ProjectFilesFetcher

    with translation.override(settings.LANGUAGE_CODE):
        pages = [render_to_string(TEMPLATE, certificate_document(c)) for c in certificates]
    began = time.perf_counter()
    for html in pages:
        HTML(string=html, base_url=f"{SCHEME}/", url_fetcher=ProjectFilesFetcher()).render()
    return time.perf_counter() - began


def checked(certificate) -> list[str]:
    """What is wrong with a stored certificate PDF (fonts, text, signature); empty when sound."""
    from portal.signing import verify_pdf

    pdf = certificate.pdf.open("rb").read()
    problems = []
    check = verify_pdf(pdf)
    if not (check.signed and check.intact and check.trusted):
        problems.append(f"signature: {check.reason}")
    pdffonts, pdftotext = shutil.which("pdffonts"), shutil.which("pdftotext")
    if pdffonts and pdftotext:
        fonts = subprocess.run(  # noqa: S603 - poppler on our own PDF
            [pdffonts, "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        rows = fonts.splitlines()[2:]
        if not rows or any(" no " in f" {row.split()[-5]} " for row in rows):
            problems.append("a font is not embedded")
        text = subprocess.run(  # noqa: S603 - poppler on our own PDF
            [pdftotext, "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        for expected in (certificate.learner_name, certificate.program_name, certificate.serial):
            if expected not in text.replace("\n", ""):
                problems.append(f"{expected!r} not in the text")
    else:
        problems.append("pdffonts/pdftotext missing (poppler-utils): PDFs not checked")
    return problems


def measure(work: Path) -> bool:
    from django.db import connection

    from certificates.models import BatchKind, BatchStatus, Certificate, CertificateBatch
    from certificates.services import certificate_batch_run, certificate_issue_with_pdf
    from portal.models import Desk, Role, User

    vendor = connection.vendor
    coordinator = User.objects.create(
        username="bench-coordinator", role=Role.ACADEMY_COORDINATOR, desk=Desk.UNDERGRADUATE
    )
    cohort, _ = places(COUNT, first=0)
    batch = CertificateBatch.objects.create(
        kind=BatchKind.ISSUE, cohort=cohort, requested_by=coordinator
    )
    began = time.perf_counter()
    batch = certificate_batch_run(batch_id=batch.pk)
    batch_seconds = time.perf_counter() - began
    made = list(Certificate.objects.filter(cohort=cohort).order_by("pk"))
    assert batch.status == BatchStatus.DONE, (batch.status, batch.error)
    assert len(made) == COUNT, (len(made), batch.skipped, batch.error)
    assert all(c.pdf for c in made), "a certificate of the batch has no PDF"
    batch_layout = layout_seconds(made)
    print(
        f"certificates: batch of {COUNT} issued, rendered, signed and stored in "
        f"{batch_seconds:.1f} s ({batch_seconds / COUNT * 1000:.0f} ms each); their layout alone "
        f"{batch_layout:.1f} s ({batch_layout / COUNT * 1000:.0f} ms each); database {vendor}"
    )

    _, singles = places(SINGLE_ROUNDS, first=COUNT)
    single_times, single_layouts = [], []
    for enrollment in singles:
        began = time.perf_counter()
        certificate = certificate_issue_with_pdf(enrollment_id=enrollment.pk)
        single_times.append(time.perf_counter() - began)
        assert certificate is not None
        assert certificate.pdf
        single_layouts.append(layout_seconds([certificate]))
    single, single_layout = sorted(single_times)[len(single_times) // 2], min(single_layouts)
    print(
        f"one certificate on its own: {single * 1000:.0f} ms (median of {SINGLE_ROUNDS}); "
        f"its layout alone {single_layout * 1000:.0f} ms"
    )

    sample = made[:: max(1, COUNT // 8)] + [certificate]
    problems = {c.serial: checked(c) for c in sample}
    bad = {serial: found for serial, found in problems.items() if found}
    print(f"PDFs checked (fonts embedded, name and program as text, signature): {len(sample)}")
    for serial, found in bad.items():
        print(f"  {serial}: {'; '.join(found)}")

    passed = not bad
    for name, ratio, limit in (
        ("certificates_batch", batch_seconds / batch_layout, BATCH_LIMIT),
        ("certificate_single", single / single_layout, SINGLE_LIMIT),
    ):
        ok = ratio <= limit and not bad
        passed = passed and ok
        print(
            f"BENCH {name}[{vendor}] ratio={ratio:.3f} limit={limit:.3f} {'PASS' if ok else 'FAIL'}"
        )
    return passed


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
