"""The access harness: every URL of the portal and the API, for every role.

Every named route must appear in ROUTES with the expected outcome for each role, so a new endpoint
fails this file until somebody decides, and writes down, who may reach it. The admin is walked the
same way through every registered ModelAdmin.
"""

import re
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import TokenProxy

from certificates.models import Certificate, CertificateBatch
from courses.models import Cohort, LiveSession, Program, Question, SimulationStage, SimulationStep
from enrollment.models import Institution, Province, Receipt
from learners.models import Enrollment, Essay, Learner, Post
from portal.models import AuditEvent, User
from tests.conftest import ROLES

OK = "ok"  # 200
LOGIN = "login"  # a page redirects to the log-in page; the API answers 401/403 to anonymous
DENY = "deny"  # 403 or 404 (objects outside one's scope are not revealed)
METHOD = "method"  # 405: the route takes another method (tested elsewhere)
REDIRECT = "redirect"  # a redirect elsewhere than the log-in page


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome: str = OK, **overrides: str) -> dict[str, str]:
    return {**everyone(outcome), "anonymous": LOGIN, **overrides}


# Who sees school_a (本科, 北京): its staff, its province, the 本科 desk, administrators.
SCHOOL_A_SCOPE = signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, admin=OK)
INSTITUTION_ROLES = signed_in(OK, learner_a=DENY)


@dataclass
class Route:
    expected: dict[str, str]
    kwargs: dict = field(default_factory=dict)  # values may be callables taking the world


def school_a_pk(world):
    return world.school_a.pk


def receipt_a_pk(world):
    return world.receipt_a.pk


def roster_entry_pk(world):
    return world.receipt_a.roster.first().pk


def cohort_pk(world):
    return world.cohort.pk


def enrollment_a_pk(world):
    return world.enrollment_a.pk


def study_cohort_pk(world):
    return world.study_cohort.pk


def program_pk(world):
    return world.study_cohort.program_id


def closed_attempt_a_pk(world):
    """A handed-in exam attempt of learner_a (made once per test)."""
    from django.utils import timezone

    from learners.models import ExamAttempt

    now = timezone.now()
    attempt, _ = ExamAttempt.objects.get_or_create(
        enrollment=world.enrollment_a,
        number=1,
        defaults={"started_at": now, "deadline": now, "submitted_at": now, "score": 0},
    )
    return attempt.pk


def lesson_pk(world):
    """A lesson of learner_a's program (made once per test, with a stand-in file)."""
    from tests.factories import LessonFactory

    return LessonFactory(program=world.study_cohort.program).pk


def person_a_pk(world):
    """learner_a's person record, of school_a (made once per test)."""
    from learners.models import Learner
    from portal import pii

    number = "11010519491231002X"
    person, _ = Learner.objects.get_or_create(
        user=world.users["learner_a"],
        defaults={
            "name": "张三",
            "id_encrypted": pii.encrypt(number),
            "id_hash": pii.keyed_hash(number),
            "id_masked": pii.mask_id_number(number),
            "issued_by": world.school_a,
        },
    )
    return person.pk


def certificate_a(world):
    """learner_a's certificate (school_a's place), with a stored PDF (made once per test)."""
    import datetime
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from certificates.models import Certificate

    person_a_pk(world)
    cohort = world.enrollment_a.cohort
    certificate, made = Certificate.objects.get_or_create(
        enrollment=world.enrollment_a,
        defaults={
            "serial": "2026-000001",
            "learner": world.users["learner_a"],
            "program": cohort.program,
            "cohort": cohort,
            "learner_name": "张三",
            "institution_name": world.school_a.name,
            "program_name": cohort.program.name,
            "period_start": cohort.start_date,
            "period_end": cohort.end_date,
            "hours": Decimal("6"),
            "theory_hours": Decimal("4"),
            "issued_on": datetime.date(2026, 11, 1),
            "issuer": "中国教育干部网络学院",
        },
    )
    if made:
        certificate.pdf.save("c.pdf", ContentFile(b"%PDF-1.7 stand-in"), save=True)
    return certificate


def certificate_a_pk(world):
    return certificate_a(world).pk


def certificate_a_token(world):
    return certificate_a(world).token


def batch_a_pk(world):
    """school_a's zip of its certificates of learner_a's cohort, done (made once per test)."""
    from django.core.files.base import ContentFile

    from certificates.models import BatchKind, BatchStatus, CertificateBatch

    batch, made = CertificateBatch.objects.get_or_create(
        kind=BatchKind.ARCHIVE,
        cohort=world.enrollment_a.cohort,
        institution=world.school_a,
        defaults={"requested_by": world.users["staff_a"], "status": BatchStatus.DONE},
    )
    if made:
        batch.archive.save("a.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=True)
    return batch.pk


ACADEMY_ONLY = signed_in(DENY, coord_ug=OK, coord_voc=OK, admin=OK)
FILERS = signed_in(DENY, staff_a=OK, staff_b=OK, prov_bj=OK)
POST_ONLY = {**everyone(METHOD), "anonymous": LOGIN}
# School A's receipt as its owners see it (staff and province), for pages only they use.
RECEIPT_A_OWNERS = signed_in(DENY, staff_a=OK, prov_bj=OK)
API_POST_ONLY = {**everyone(METHOD), "anonymous": LOGIN, "learner_a": DENY}
API_ACADEMY_POST_ONLY = signed_in(DENY, coord_ug=METHOD, coord_voc=METHOD, admin=METHOD)


def quoted_receipt_a_pk(world):
    """school_a's receipt, approved, with a current quote (payment notice and invoices)."""
    from tests.billing.invoicing import quoted_receipt

    return quoted_receipt(world).pk


def receipt_a_line_pk(world):
    """The (only) line of school_a's receipt (quotes: negotiated fees)."""
    return world.receipt_a.lines.first().pk


def invoice_a_pk(world):
    """An invoice requested for school_a's quoted receipt (payment notice and invoices)."""
    from billing.services.invoices import invoice_request
    from enrollment.models import Receipt

    receipt = Receipt.objects.get(pk=quoted_receipt_a_pk(world))
    return invoice_request(receipt=receipt, by=world.users["staff_a"]).pk


def statement_line_pk(world):
    """An unmatched line of an imported bank statement (ledger)."""
    import datetime
    from decimal import Decimal

    from billing.models import BankStatement, LineStatus, StatementLine

    statement = BankStatement.objects.create(
        sha256="0" * 64, filename="流水.xlsx", imported_by=world.users["coord_ug"]
    )
    return StatementLine.objects.create(
        statement=statement,
        row_number=5,
        line_key="1" * 64,
        booked_on=datetime.date(2026, 3, 1),
        payer_name="某某单位",
        amount=Decimal("100.00"),
        status=LineStatus.UNMATCHED,
    ).pk


def statement_pk(world):
    from billing.models import StatementLine

    return StatementLine.objects.get(pk=statement_line_pk(world)).statement_id


# learner_a's own study: only she reaches it; everybody else's "not found".
LEARNER_A_ONLY = signed_in(DENY, learner_a=OK)


def study_topic_pk(world):
    """A discussion topic of learner_a's cohort (discussion and essays)."""
    from tests.factories import DiscussionTopicFactory

    return DiscussionTopicFactory(cohort=world.study_cohort).pk


def submitted_essay_pk(world):
    """learner_a's essay, submitted and waiting for grading (discussion and essays)."""
    from django.utils import timezone

    from learners.models import Essay, EssayStatus

    return Essay.objects.create(
        enrollment=world.enrollment_a,
        title="学习心得",
        body="正文" * 200,
        status=EssayStatus.SUBMITTED,
        submitted_at=timezone.now(),
        revision=1,
    ).pk


def simulation_enrollment_a_pk(world):
    """learner_a's place in a cohort of the simulation program (simulation and live sessions)."""
    from courses.services import catalog_load
    from tests.factories import CohortFactory, EnrollmentFactory

    catalog_load()
    cohort = CohortFactory(program=Program.objects.get(code="development-workflow-simulation"))
    learner = world.users["learner_a"]
    return EnrollmentFactory(cohort=cohort, learner=learner, institution=world.school_a).pk


def live_session_pk(world):
    """A live session of learner_a's cohort that has started (simulation and live sessions)."""
    from tests.factories import LiveSessionFactory

    return LiveSessionFactory(cohort=world.study_cohort).pk


def hour_person_pk(world):
    """A person record of school_a (hour imports): learner_a has none, so a new learner's."""
    from portal import pii
    from tests.factories import LearnerFactory

    number = "11010519491231002X"
    return Learner.objects.create(
        user=LearnerFactory(institution=world.school_a),
        name="王五",
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=world.school_a,
    ).pk


ROUTES: dict[str, Route] = {
    "portal:home": Route(everyone(OK)),
    "portal:dashboard": Route(signed_in()),
    "portal:login": Route({**everyone(REDIRECT), "anonymous": OK}),
    "portal:logout": Route(everyone(METHOD)),
    "portal:password-change": Route(signed_in()),
    "portal:healthz": Route(everyone(OK)),
    "courses:catalog": Route(everyone(OK)),
    "courses:program-detail": Route(everyone(OK), {"code": "double-creation-workshop"}),
    "enrollment:institution-list": Route(INSTITUTION_ROLES),
    "enrollment:institution-detail": Route(SCHOOL_A_SCOPE, {"pk": school_a_pk}),
    "set_language": Route(everyone(REDIRECT)),
    "api:me": Route(signed_in()),
    "api:token": Route(everyone(METHOD)),
    "api:program-list": Route(everyone(OK)),
    "api:program-detail": Route(everyone(OK), {"code": "activists"}),
    "api:province-list": Route(everyone(OK)),
    "api:province-detail": Route(everyone(OK), {"code": "32"}),
    "api:institution-list": Route(INSTITUTION_ROLES),
    "api:institution-detail": Route(SCHOOL_A_SCOPE, {"pk": school_a_pk}),
    "enrollment:receipt-list": Route(INSTITUTION_ROLES),
    "enrollment:receipt-create": Route(FILERS),
    "enrollment:receipt-export": Route(ACADEMY_ONLY),
    "enrollment:roster-template": Route(INSTITUTION_ROLES),
    "enrollment:receipt-detail": Route(SCHOOL_A_SCOPE, {"pk": receipt_a_pk}),
    "enrollment:receipt-edit": Route(
        signed_in(DENY, staff_a=REDIRECT, prov_bj=REDIRECT), {"pk": receipt_a_pk}
    ),
    "enrollment:receipt-transition": Route(POST_ONLY, {"pk": receipt_a_pk, "action": "submit"}),
    "enrollment:roster-upload": Route(POST_ONLY, {"pk": receipt_a_pk}),
    "enrollment:seal-scan": Route(SCHOOL_A_SCOPE, {"pk": receipt_a_pk}),
    "enrollment:roster-add": Route(POST_ONLY, {"pk": receipt_a_pk}),
    "enrollment:roster-remove": Route(POST_ONLY, {"pk": receipt_a_pk, "entry_pk": roster_entry_pk}),
    "enrollment:roster-errors": Route(signed_in(DENY), {"pk": receipt_a_pk, "token": "nope"}),
    "enrollment:roster-export": Route(SCHOOL_A_SCOPE, {"pk": receipt_a_pk}),
    "enrollment:roster-export-full": Route(
        signed_in(DENY, coord_ug=OK, admin=OK), {"pk": receipt_a_pk}
    ),
    # Initial passwords go to the school's own staff only: not its province, not the academy.
    "enrollment:credentials-export": Route(signed_in(DENY, staff_a=OK), {"pk": receipt_a_pk}),
    "courses:cohort-list": Route(ACADEMY_ONLY),
    "courses:cohort-create": Route(ACADEMY_ONLY),
    "courses:cohort-detail": Route(ACADEMY_ONLY, {"pk": cohort_pk}),
    "courses:cohort-place": Route(POST_ONLY, {"pk": cohort_pk}),
    "courses:cohort-export": Route(ACADEMY_ONLY, {"pk": cohort_pk}),
    "courses:question-import": Route(ACADEMY_ONLY, {"code": "party-affairs-staff"}),
    "courses:question-template": Route(ACADEMY_ONLY, {"code": "party-affairs-staff"}),
    "api:receipt-list": Route(INSTITUTION_ROLES),
    "api:receipt-detail": Route(SCHOOL_A_SCOPE, {"pk": receipt_a_pk}),
    "api:receipt-roster": Route(SCHOOL_A_SCOPE, {"pk": receipt_a_pk}),
    "api:receipt-submit": Route(API_POST_ONLY, {"pk": receipt_a_pk}),
    "api:receipt-withdraw": Route(API_POST_ONLY, {"pk": receipt_a_pk}),
    "api:receipt-approve": Route(API_POST_ONLY, {"pk": receipt_a_pk}),
    "api:receipt-return-for-changes": Route(API_POST_ONLY, {"pk": receipt_a_pk}),
    "api:receipt-reject": Route(API_POST_ONLY, {"pk": receipt_a_pk}),
    "api:cohort-list": Route(ACADEMY_ONLY),
    "api:cohort-detail": Route(ACADEMY_ONLY, {"pk": cohort_pk}),
    "api:cohort-enrollments": Route(ACADEMY_ONLY, {"pk": cohort_pk}),
    "api:cohort-place": Route(API_ACADEMY_POST_ONLY, {"pk": cohort_pk}),
    "api-schema": Route(everyone(OK)),
    "api-docs": Route(everyone(OK)),
    # ---- study (learners) ----
    "learners:my-study": Route(signed_in(DENY, learner_a=OK)),
    "learners:enrollment-detail": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    # The survey opens at the end: learner_a, still studying, is sent back to her study page.
    "learners:evaluation": Route(signed_in(DENY, learner_a=REDIRECT), {"pk": enrollment_a_pk}),
    "learners:cohort-progress": Route(ACADEMY_ONLY, {"pk": study_cohort_pk}),
    "learners:cohort-evaluation": Route(ACADEMY_ONLY, {"pk": study_cohort_pk}),
    "learners:program-evaluation": Route(ACADEMY_ONLY, {"pk": program_pk}),
    # A person's own archive; the world's learner_a account has no person record (no roster
    # behind it), so she too finds none (tests/learners/test_hours.py shows her own).
    "learners:transcript": Route(signed_in(DENY)),
    "learners:transcript-xlsx": Route(signed_in(DENY)),
    # ---- hour imports ----
    "learners:hour-import": Route(ACADEMY_ONLY),
    "learners:hour-import-template": Route(ACADEMY_ONLY),
    # Her school enters her off-job training, or the academy (either desk); her province sees her
    # but may not (403); another school, a learner: not found.
    "learners:off-job-add": Route(
        signed_in(DENY, staff_a=OK, coord_ug=OK, coord_voc=OK, admin=OK), {"pk": hour_person_pk}
    ),
    # ---- hour dashboards ----
    # School staff, provinces and the academy see their schools' people; learners are refused.
    "learners:hours-dashboard": Route(INSTITUTION_ROLES),
    "learners:hours-dashboard-xlsx": Route(INSTITUTION_ROLES),
    # A person of school_a: her school, its province (read only) and its desk; others 404.
    "learners:person-hours": Route(SCHOOL_A_SCOPE, {"pk": person_a_pk}),
    "learners:transcript-pdf": Route(signed_in(DENY)),
    # ---- personal data ----
    # Her own data, from her account page: only a learner, only her own (no id in the URL).
    "learners:my-data": Route(LEARNER_A_ONLY),
    "learners:my-data-export": Route(LEARNER_A_ONLY),
    # Erasure on request: the academy desk of her school (本科 for school_a) and administrators;
    # the other desk, her school, her province and she herself are refused (not found).
    "learners:person-erase": Route(signed_in(DENY, coord_ug=OK, admin=OK), {"pk": person_a_pk}),
    "learners:hours-remind": Route(POST_ONLY),
    # ---- certificates ----
    "certificates:list": Route(INSTITUTION_ROLES),
    "certificates:export": Route(INSTITUTION_ROLES),
    # learner_a's certificate: her school and province, either desk; she downloads it from "My
    # study" (its page is the staff's); another school: not found.
    "certificates:detail": Route(
        signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, coord_voc=OK, admin=OK),
        {"pk": certificate_a_pk},
    ),
    "certificates:pdf": Route(
        signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, coord_voc=OK, admin=OK, learner_a=OK),
        {"pk": certificate_a_pk},
    ),
    "certificates:revoke": Route(POST_ONLY, {"pk": certificate_a_pk}),
    "certificates:reinstate": Route(POST_ONLY, {"pk": certificate_a_pk}),
    "certificates:regenerate": Route(POST_ONLY, {"pk": certificate_a_pk}),
    "certificates:batch-start": Route(POST_ONLY),
    "certificates:batch": Route(
        signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, coord_voc=OK, admin=OK),
        {"pk": batch_a_pk},
    ),
    "certificates:batch-status": Route(
        signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, coord_voc=OK, admin=OK),
        {"pk": batch_a_pk},
    ),
    "certificates:batch-download": Route(
        signed_in(DENY, staff_a=OK, prov_bj=OK, coord_ug=OK, coord_voc=OK, admin=OK),
        {"pk": batch_a_pk},
    ),
    # Anyone, signed in or not, verifies a certificate.
    "certificates:verify-form": Route(everyone(OK)),
    "certificates:verify": Route(everyone(OK), {"token": certificate_a_token}),
    # ---- billing: payment notice and invoices ----
    # school_a's notice: its staff, its province, its desk; learners and others not found.
    "billing:notice-pdf": Route(SCHOOL_A_SCOPE, {"pk": quoted_receipt_a_pk}),
    "billing:invoice-request": Route(POST_ONLY, {"pk": quoted_receipt_a_pk}),
    # The academy's invoice requests; a desk sees its schools' (school_a's: the 本科 desk).
    "billing:invoice-list": Route(ACADEMY_ONLY),
    "billing:invoice-export": Route(ACADEMY_ONLY),
    "billing:invoice-record": Route(signed_in(DENY, coord_ug=OK, admin=OK), {"pk": invoice_a_pk}),
    # ---- billing: ledger, bank statements, receivables (academy coordinators only) ----
    # school_a's receipt: its desk records payments; its school and province read the balance
    # on the receipt page (403 here); others, learners included, not found.
    "billing:entry-add": Route(signed_in(DENY, coord_ug=OK, admin=OK), {"pk": receipt_a_pk}),
    "billing:statement-import": Route(ACADEMY_ONLY),
    "billing:statement-detail": Route(ACADEMY_ONLY, {"pk": statement_pk}),
    "billing:statement-lines": Route(ACADEMY_ONLY),
    "billing:statement-line-confirm": Route(POST_ONLY, {"pk": statement_line_pk}),
    "billing:statement-line-ignore": Route(POST_ONLY, {"pk": statement_line_pk}),
    "billing:receivables": Route(ACADEMY_ONLY),
    "billing:receivables-export": Route(ACADEMY_ONLY),
    # ---- billing: quotes ----
    # The receipt form's fee estimate: whoever files or reviews receipts; learners see no money.
    "billing:quote-estimate": Route(INSTITUTION_ROLES),
    "billing:negotiated-fee": Route(POST_ONLY, {"pk": receipt_a_pk, "line": receipt_a_line_pk}),
    # ---- lessons ----
    "learners:lessons": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    "learners:lesson": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk, "lesson": lesson_pk}),
    "learners:lesson-video": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk, "lesson": lesson_pk}),
    "learners:lesson-heartbeat": Route(POST_ONLY, {"pk": enrollment_a_pk, "lesson": lesson_pk}),
    # The academy previews a lesson's video; learners watch through their place's route.
    "learners:lesson-preview": Route(ACADEMY_ONLY, {"lesson": lesson_pk}),
    # ---- exam ----
    "learners:exam": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    # A closed attempt's paper sends her on to its result.
    "learners:exam-attempt": Route(
        signed_in(DENY, learner_a=REDIRECT), {"pk": enrollment_a_pk, "attempt": closed_attempt_a_pk}
    ),
    "learners:exam-result": Route(
        LEARNER_A_ONLY, {"pk": enrollment_a_pk, "attempt": closed_attempt_a_pk}
    ),
    "learners:cohort-exam": Route(ACADEMY_ONLY, {"pk": study_cohort_pk}),
    # ---- discussion and essays ----
    "learners:discussion": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    "learners:topic": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk, "topic": study_topic_pk}),
    "learners:cohort-discussion": Route(ACADEMY_ONLY, {"pk": study_cohort_pk}),
    "learners:cohort-topic": Route(ACADEMY_ONLY, {"pk": study_cohort_pk, "topic": study_topic_pk}),
    "learners:essay": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    "learners:essay-queue": Route(ACADEMY_ONLY),
    "learners:essay-review": Route(ACADEMY_ONLY, {"pk": submitted_essay_pk}),
    # ---- simulation and live sessions ----
    "learners:simulation": Route(LEARNER_A_ONLY, {"pk": simulation_enrollment_a_pk}),
    "learners:simulation-step": Route(
        LEARNER_A_ONLY, {"pk": simulation_enrollment_a_pk, "number": 1}
    ),
    "learners:live": Route(LEARNER_A_ONLY, {"pk": enrollment_a_pk}),
    "learners:cohort-live": Route(ACADEMY_ONLY, {"pk": study_cohort_pk}),
    "learners:cohort-live-session": Route(
        ACADEMY_ONLY, {"pk": study_cohort_pk, "session": live_session_pk}
    ),
}


def named_routes(resolver=None, namespace=""):
    """Every (name, pattern) in the URLconf, outside the admin, with its namespace."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner == "admin":
                continue
            prefix = f"{namespace}{inner}:" if inner else namespace
            yield from named_routes(pattern, prefix)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), pattern


def test_every_route_is_in_the_access_matrix():
    routes = list(named_routes())
    unnamed = [str(p.pattern) for name, p in routes if name is None]
    assert not unnamed, f"routes without a name cannot be checked: {unnamed}"
    missing = {name for name, _ in routes} - set(ROUTES)
    assert not missing, f"add these routes to ROUTES with who may reach them: {sorted(missing)}"
    stale = set(ROUTES) - {name for name, _ in routes}
    assert not stale, f"ROUTES names routes that no longer exist: {sorted(stale)}"


def outcome_of(response) -> str:
    status = response.status_code
    if status == 200:
        return OK
    if status in (401,):
        return LOGIN
    if status in (302, 303, 301, 204):
        location = response.headers.get("Location", "")
        return LOGIN if "/login/" in location else REDIRECT
    if status == 403:
        # DRF answers anonymous session callers 403 rather than 401.
        return LOGIN if response.wsgi_request.user.is_anonymous and is_api(response) else DENY
    if status == 404:
        return DENY
    if status == 405:
        return METHOD
    raise AssertionError(f"unexpected status {status} for {response.wsgi_request.path}")


def is_api(response) -> bool:
    return response.wsgi_request.path.startswith("/api/")


CASES = [(name, role) for name in ROUTES for role in ROLES]


@pytest.mark.parametrize(("route_name", "role"), CASES)
def test_route_access(world, client_for, route_name, role):
    route = ROUTES[route_name]
    kwargs = {k: (v(world) if callable(v) else v) for k, v in route.kwargs.items()}
    url = reverse(route_name, kwargs=kwargs)

    response = client_for(world.users[role]).get(url)

    assert outcome_of(response) == route.expected[role], (url, role, response.status_code)


ACADEMY = {"coord_ug", "coord_voc", "admin"}
SUPERUSER = {"admin"}
ADMIN_VIEWERS = {
    SimulationStep: ACADEMY,
    LiveSession: ACADEMY,
    Program: ACADEMY,
    Question: ACADEMY,
    SimulationStage: ACADEMY,
    Province: ACADEMY,
    Institution: ACADEMY,
    Cohort: ACADEMY,
    Enrollment: ACADEMY,
    AuditEvent: ACADEMY,
    Receipt: ACADEMY,
    Learner: ACADEMY,
    Post: ACADEMY,
    Essay: ACADEMY,
    Certificate: ACADEMY,
    CertificateBatch: ACADEMY,
    User: SUPERUSER,
    Group: SUPERUSER,
    TokenProxy: SUPERUSER,
    AccessAttempt: SUPERUSER,
    AccessLog: SUPERUSER,
    AccessFailureLog: SUPERUSER,
}


def test_every_admin_model_is_in_the_matrix():
    assert set(admin.site._registry) == set(ADMIN_VIEWERS)


@pytest.mark.parametrize(
    ("model", "role"), [(model, role) for model in ADMIN_VIEWERS for role in ROLES]
)
def test_admin_changelist_access(world, client_for, model, role):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = client_for(world.users[role]).get(url)

    if role in ADMIN_VIEWERS[model]:
        assert response.status_code == 200
    elif role in ACADEMY:
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response.headers["Location"]


def test_a_coordinator_cannot_open_or_change_another_desks_institution(world, client_for):
    # given school_b is on the 高职 desk
    client = client_for(world.users["coord_ug"])
    url = reverse("admin:enrollment_institution_change", args=[world.school_b.pk])

    # when the 本科 coordinator opens it and posts a new name
    opened = client.get(url)
    posted = client.post(url, {"name": "改名", "code": world.school_b.code})

    # then the admin does not show it and nothing changed
    assert opened.status_code == 302
    assert posted.status_code == 302
    world.school_b.refresh_from_db()
    assert world.school_b.name == "江苏测试职业技术学院"


# The admin keeps the rules the pages keep: each refusal below leaves the cohort as it was.


def cohort_form(cohort, **changes):
    values = {
        "program": cohort.program_id,
        "name": cohort.name,
        "start_date": cohort.start_date.isoformat(),
        "end_date": cohort.end_date.isoformat(),
        "capacity": cohort.capacity,
        "coordinator": cohort.coordinator_id or "",
    }
    return {**values, **changes}


@pytest.fixture
def cohort_with_learners(world):
    from enrollment.services import receipt_approve
    from learners.services import cohort_place_line
    from tests.receipts import submitted_receipt

    receipt = submitted_receipt(world.school_a, world.users["staff_a"], people=3, serial_base=700)
    receipt = receipt_approve(receipt=receipt, by=world.users["coord_ug"])
    cohort_place_line(cohort=world.cohort, line=receipt.lines.get(), by=world.users["coord_ug"])
    return world.cohort


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capacity": 2}, "该期次已有 3 名学员，容量不能少于此数。"),
        ({"program": "activists"}, "该期次已有学员，不能更换培训班次。"),
        ({"coordinator": "learner_a"}, "选择一个有效的选项"),
        ({"start_date": "9999-12-01", "end_date": "9999-12-31"}, "日期须在"),
        ({"end_date": "2000-01-01"}, "日期须在"),
        ({"name": "第\x07期"}, "不能包含控制字符"),
    ],
)
def test_the_admin_refuses_what_the_pages_refuse(
    world, client_for, cohort_with_learners, change, message
):
    cohort = cohort_with_learners
    before = Cohort.objects.values().get(pk=cohort.pk)
    values = dict(change)
    if values.get("program") == "activists":
        values["program"] = Program.objects.get(code="activists").pk
    if values.get("coordinator") == "learner_a":
        values["coordinator"] = world.users["learner_a"].pk
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    response = client_for(world.users["coord_ug"]).post(url, cohort_form(cohort, **values))

    assert response.status_code == 200  # the form again, with the error on it
    assert message in response.content.decode()
    assert Cohort.objects.values().get(pk=cohort.pk) == before


def test_the_admin_offers_only_academy_coordinators_as_a_cohorts_coordinator(world, client_for):
    url = reverse("admin:courses_cohort_change", args=[world.cohort.pk])

    page = client_for(world.users["coord_ug"]).get(url).content.decode()
    select = re.search(r'<select name="coordinator".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'value="(\d+)"', select))

    assert offered == {str(world.users[role].pk) for role in ("coord_ug", "coord_voc")}


def test_an_admin_change_that_keeps_the_rules_goes_through_the_service(
    world, client_for, cohort_with_learners
):
    cohort = cohort_with_learners
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    response = client_for(world.users["coord_ug"]).post(
        url, cohort_form(cohort, capacity=3, name="改名")
    )

    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.capacity, cohort.name) == (3, "改名")
    assert AuditEvent.objects.filter(action="cohort.change", object_id=str(cohort.pk)).exists()


def test_the_admin_cannot_lower_a_programs_limit_below_a_scheduled_cohort(world, client_for):
    from tests.factories import CohortFactory

    workshop = Program.objects.get(code="double-creation-workshop")
    CohortFactory(program=workshop, capacity=50)
    url = reverse("admin:courses_program_change", args=[workshop.pk])
    page = client_for(world.users["coord_ug"])
    form = {
        field: ("" if value is None else value)
        for field, value in Program.objects.values().get(pk=workshop.pk).items()
        if field not in ("id", "created_at", "updated_at")
    }
    form["is_active"] = "on" if form["is_active"] else ""

    response = page.post(url, {**form, "max_participants": 40})

    assert response.status_code == 200
    assert "人数上限不能低于此数" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.max_participants == 50
