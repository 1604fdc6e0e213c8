"""Issuing: a certificate belongs to a completed enrollment, made once whoever asks and however
often, with a year-and-sequence serial and an unguessable token; never before every requirement
of the program is met."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus, SerialCounter
from certificates.services import certificate_issue, certificates_sweep
from courses.models import SimulationStep
from learners.models import (
    Attendance,
    AttendanceSource,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    Post,
    StepProgress,
)
from learners.services.completion import enrollment_complete_if_met
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.certificates.places import ID_NUMBER, complete, pass_essay, watch_all
from tests.factories import DiscussionTopicFactory, LessonFactory, LiveSessionFactory

SERIAL = re.compile(r"^(\d{4})-(\d{6})$")


# ---- never before every requirement is met ----

PARTS = ["lessons", "discussion", "essay", "exam", "live", "simulation"]


@pytest.fixture
def demanding(world):
    """A program that asks for every kind of study the notice names."""
    program = world.study_cohort.program
    program.require_all_lessons = True
    program.min_posts = 2
    program.require_essay = True
    program.require_exam = True
    program.min_live_sessions = 1
    program.require_simulation = True
    program.save()
    LessonFactory(program=program, title="理论课")
    LessonFactory(program=program, title="业务课", is_theory=False)
    return program


def meet(enrollment, part, coordinator):
    if part == "lessons":
        watch_all(enrollment)
    elif part == "discussion":
        topic = DiscussionTopicFactory(cohort=enrollment.cohort)
        for n in range(2):
            Post.objects.create(
                topic=topic, author=enrollment.learner, enrollment=enrollment, body=f"体会{n}。"
            )
    elif part == "essay":
        pass_essay(enrollment)
    elif part == "exam":
        now = timezone.now()
        ExamAttempt.objects.create(
            enrollment=enrollment,
            number=1,
            started_at=now - datetime.timedelta(minutes=20),
            deadline=now + datetime.timedelta(minutes=10),
            submitted_at=now,
            score=90,
            passed=True,
        )
    elif part == "live":
        Attendance.objects.create(
            session=LiveSessionFactory(cohort=enrollment.cohort),
            enrollment=enrollment,
            source=AttendanceSource.COORDINATOR,
            recorded_by=coordinator,
        )
    elif part == "simulation":
        for step in SimulationStep.objects.all():
            StepProgress.objects.create(
                enrollment=enrollment, step=step, completed_at=timezone.now()
            )


@pytest.mark.parametrize("unmet", PARTS)
def test_no_certificate_while_any_requirement_is_unmet(
    world, demanding, unmet, django_capture_on_commit_callbacks
):
    # given every part of a demanding program met but one
    enrollment = world.enrollment_a
    for part in PARTS:
        if part != unmet:
            meet(enrollment, part, world.users["coord_ug"])

    # when the place is checked for completion, and its commit callbacks run
    with django_capture_on_commit_callbacks(execute=True):
        assert not enrollment_complete_if_met(enrollment_id=enrollment.pk)

    # then it is not complete and has no certificate
    assert not Certificate.objects.exists()

    # and even a place marked completed by other means is refused, by hand, by the sweep
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        hours_earned=Decimal("3"),
        theory_hours_earned=Decimal("1"),
    )
    with pytest.raises(StateConflict, match="尚未完成本班次的全部考核要求"):
        certificate_issue(enrollment_id=enrollment.pk, by=world.users["coord_ug"])
    assert certificates_sweep().refused == 1
    assert not Certificate.objects.exists()
    assert not SerialCounter.objects.filter(last__gt=0).exists()  # no number was used up


def test_meeting_the_last_requirement_issues_it(
    world, demanding, django_capture_on_commit_callbacks
):
    enrollment = world.enrollment_a
    for part in PARTS:
        meet(enrollment, part, world.users["coord_ug"])

    with django_capture_on_commit_callbacks(execute=True):
        assert enrollment_complete_if_met(enrollment_id=enrollment.pk)

    assert Certificate.objects.get().enrollment == enrollment


def test_a_place_still_in_progress_is_refused(world, program):
    with pytest.raises(StateConflict, match="尚未结业"):
        certificate_issue(enrollment_id=world.enrollment_a.pk)

    assert not Certificate.objects.exists()


@pytest.mark.parametrize("pk", [0, -1, 2**63, 10**30])
def test_an_id_no_row_can_have_is_refused_with_a_sentence(pk):
    with pytest.raises(ApplicationError, match="没有这条选课记录"):
        certificate_issue(enrollment_id=pk)


@pytest.mark.django_db
def test_an_unknown_enrollment_is_refused_with_a_sentence():
    with pytest.raises(ApplicationError, match="没有这条选课记录"):
        certificate_issue(enrollment_id=987654)


# ---- what it holds ----


def test_it_holds_the_facts_as_certified(world, completed):
    certificate = certificate_issue(enrollment_id=completed.pk)

    cohort = world.study_cohort
    assert certificate.learner == world.users["learner_a"]
    assert (certificate.program, certificate.cohort) == (cohort.program, cohort)
    assert certificate.learner_name == "张晓明"  # the person's name from her roster line
    assert certificate.institution_name == world.school_a.name
    assert certificate.program_name == cohort.program.name
    # from the cohort's start until she completed (today), not days still to come
    assert (certificate.period_start, certificate.period_end) == (
        cohort.start_date,
        timezone.localdate(),
    )
    assert cohort.end_date > timezone.localdate()
    assert (certificate.hours, certificate.theory_hours) == (Decimal("3.5"), Decimal("3.0"))
    assert certificate.hours == completed.hours_earned
    assert certificate.issued_on == timezone.localdate()
    assert certificate.issuer == "中国教育干部网络学院"
    assert certificate.status == CertificateStatus.VALID
    assert ID_NUMBER not in str(vars(certificate))


def test_a_place_completed_in_the_grading_grace_was_studied_until_the_cohorts_end(world, completed):
    cohort = world.study_cohort
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=40)
    cohort.end_date = timezone.localdate() - datetime.timedelta(days=3)
    cohort.save()

    certificate = certificate_issue(enrollment_id=completed.pk)

    assert (certificate.period_start, certificate.period_end) == (
        cohort.start_date,
        cohort.end_date,
    )


def test_the_issuer_comes_from_the_settings(completed, settings):
    settings.CERTIFICATE_ISSUER = "国家教育行政学院"

    assert certificate_issue(enrollment_id=completed.pk).issuer == "国家教育行政学院"


def test_the_serial_is_the_year_and_a_sequence_and_the_token_unguessable(world, completed):
    from tests.certificates.places import completed_places

    others = completed_places(world, 2)

    certificates = [certificate_issue(enrollment_id=e.pk) for e in [completed, *others]]

    year = timezone.localdate().year
    numbers = []
    for certificate in certificates:
        match = SERIAL.match(certificate.serial)
        assert match, certificate.serial
        assert int(match.group(1)) == year
        numbers.append(int(match.group(2)))
        assert len(certificate.token) >= 32
        assert re.fullmatch(r"[A-Za-z0-9_-]+", certificate.token)
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert len({c.token for c in certificates}) == 3


def test_a_new_year_starts_its_own_sequence(completed, monkeypatch):
    from certificates.services import issuing

    SerialCounter.objects.create(year=2030, last=41)
    monkeypatch.setattr(issuing.timezone, "localdate", lambda *a: datetime.date(2030, 3, 1))

    assert certificate_issue(enrollment_id=completed.pk).serial == "2030-000042"


# ---- once ----


def test_issuing_twice_makes_one_certificate(world, completed):
    first = certificate_issue(enrollment_id=completed.pk)
    second = certificate_issue(enrollment_id=completed.pk, by=world.users["coord_ug"])

    assert first.pk == second.pk
    assert first.serial == second.serial
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificate.issue").count() == 1


def test_the_database_holds_one_certificate_per_enrollment(completed):
    first = certificate_issue(enrollment_id=completed.pk)
    duplicate = Certificate.objects.get(pk=first.pk)
    duplicate.pk = None
    duplicate.serial = "2099-000001"
    duplicate.token = "another-token-another-token-0123"

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_only_the_academy_issues_by_hand(world, completed):
    for role in ("staff_a", "prov_bj", "learner_a"):
        with pytest.raises(PermissionRefused):
            certificate_issue(enrollment_id=completed.pk, by=world.users[role])

    assert not Certificate.objects.exists()


# ---- automatically, after commit ----


def test_completing_a_place_issues_its_certificate_with_a_pdf_after_commit(
    world, program, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete(world.enrollment_a)
    assert not Certificate.objects.exists()  # nothing before the commit

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    certificate = Certificate.objects.get(enrollment=world.enrollment_a)
    assert certificate.pdf.name.startswith(f"certificates/{certificate.issued_on.year}/")
    assert certificate.pdf.read(5) == b"%PDF-"
    assert certificate.pdf_rendered_at is not None


def test_a_broker_that_is_down_leaves_the_completion_saved_and_the_sweep_issues_later(
    world, program, person, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from kombu.exceptions import OperationalError

    from certificates.tasks import certificate_issue_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # given Redis is unreachable when she completes
    monkeypatch.setattr(certificate_issue_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        complete(world.enrollment_a)

    # then her completion stands, the failure is logged, and there is no certificate yet
    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.COMPLETED
    assert not Certificate.objects.exists()
    assert "the sweep will pick it up" in caplog.text

    # when the broker is back and the periodic sweep runs
    monkeypatch.undo()
    result = certificates_sweep()

    # then her certificate is issued, once, with its PDF
    assert (result.issued, result.rendered) == (1, 1)
    assert Certificate.objects.get().pdf
    assert certificates_sweep().issued == 0


def test_the_sweep_leaves_old_completions_to_a_batch(world, completed):
    Enrollment.objects.filter(pk=completed.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=90)
    )

    assert certificates_sweep().issued == 0


def test_the_sweep_issues_but_renders_nothing_while_signing_is_unavailable(
    completed, settings, tmp_path, caplog
):
    settings.PDF_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")

    result = certificates_sweep()

    assert (result.issued, result.rendered) == (1, 0)
    assert not Certificate.objects.get().pdf
    assert "signing is unavailable" in caplog.text
