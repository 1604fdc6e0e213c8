"""The access harness: every URL of the portal and the API, for every role.

Every named route must appear in ROUTES with the expected outcome for each role, so a new endpoint
fails this file until somebody decides, and writes down, who may reach it. The admin is walked the
same way through every registered ModelAdmin.
"""

from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import TokenProxy

from courses.models import Cohort, Program, SimulationStage
from enrollment.models import Institution, Province, Receipt
from learners.models import Enrollment, Learner
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


ACADEMY_ONLY = signed_in(DENY, coord_ug=OK, coord_voc=OK, admin=OK)
FILERS = signed_in(DENY, staff_a=OK, staff_b=OK, prov_bj=OK)
POST_ONLY = {**everyone(METHOD), "anonymous": LOGIN}
# School A's receipt as its owners see it (staff and province), for pages only they use.
RECEIPT_A_OWNERS = signed_in(DENY, staff_a=OK, prov_bj=OK)
API_POST_ONLY = {**everyone(METHOD), "anonymous": LOGIN, "learner_a": DENY}
API_ACADEMY_POST_ONLY = signed_in(DENY, coord_ug=METHOD, coord_voc=METHOD, admin=METHOD)


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
    Program: ACADEMY,
    SimulationStage: ACADEMY,
    Province: ACADEMY,
    Institution: ACADEMY,
    Cohort: ACADEMY,
    Enrollment: ACADEMY,
    AuditEvent: ACADEMY,
    Receipt: ACADEMY,
    Learner: ACADEMY,
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
