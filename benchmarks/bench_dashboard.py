"""The hour dashboards' cost (`make bench-dashboard`): a school's dashboard and a person's transcript
on a full ledger.

Fills the database with ``BENCH_DASHBOARD_LEARNERS`` people (100,000 by default) in schools of
``BENCH_DASHBOARD_PER_SCHOOL`` people (500), each with ``BENCH_DASHBOARD_ENTRIES`` hour entries (10:
a million in all), with COPY on PostgreSQL and bulk_create in chunks elsewhere, and prints how long
the fill took. Then times, in the same run on the same database, the school dashboard (/hours/, one
school's people), a learner's transcript (/study/hours/) and a trivial signed-in page (base.html
and its navigation, nothing else).

Target (the hour ledger issue): each at most 5x the trivial page. Each timing is the best of a few
interleaved rounds of ``BENCH_DASHBOARD_REQUESTS`` requests. Uses DATABASE_URL when set (PostgreSQL
in CI), else SQLite; the database's vendor is part of each target's name:
BENCH dashboard[postgresql] ..., BENCH transcript[postgresql] ...
"""

import datetime
import os
import sys
import time
import types
from decimal import Decimal

LEARNERS = int(os.environ.get("BENCH_DASHBOARD_LEARNERS", "100000"))
PER_SCHOOL = int(os.environ.get("BENCH_DASHBOARD_PER_SCHOOL", "500"))
ENTRIES = int(os.environ.get("BENCH_DASHBOARD_ENTRIES", "10"))
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "20"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
CHUNK = 10_000
LIMIT = 5.0


def main() -> bool:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def bench_urlconf():
    """The portal's routes plus the trivial signed-in page to compare with."""
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render
    from django.urls import include, path

    @login_required
    def trivial(request):
        """Signed in, the base page and its navigation, no work: what any page costs."""
        return render(request, "base.html")

    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/trivial/", trivial, name="bench-trivial"),
        path("", include("config.urls")),
    ]
    return module


def insert(model, objects) -> None:
    """Write unsaved instances: COPY on PostgreSQL, bulk_create in chunks elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=2000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname != "id"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )


def chunks(total: int, make):
    for start in range(0, total, CHUNK):
        yield [make(n) for n in range(start, min(total, start + CHUNK))]


def fill(program):
    """Schools, people, their accounts and entries; returns the bench school, its staff and one
    learner with a person record."""
    from django.db import connection
    from django.utils import timezone

    from courses.models import Cohort
    from enrollment.models import Institution, InstitutionType, Province
    from learners.models import (
        Enrollment,
        HourCategory,
        HourEntry,
        HourSource,
        Learner,
    )
    from learners.services.hours import hour_totals_refresh
    from portal import pii
    from portal.models import Desk, Role, User

    province = Province.objects.get(code="11")
    schools = Institution.objects.bulk_create(
        [
            Institution(
                name=f"基准测试大学{n}",
                code=f"41{n:08d}",
                type=InstitutionType.UNDERGRADUATE,
                desk=Desk.UNDERGRADUATE,
                province=province,
            )
            for n in range((LEARNERS + PER_SCHOOL - 1) // PER_SCHOOL)
        ]
    )
    school = schools[0]
    staff = User.objects.create(
        username="bench-staff", role=Role.INSTITUTION_STAFF, institution=school
    )
    encrypted = pii.encrypt("11010519850101001X")  # one ciphertext for all: not what is measured
    categories = [HourCategory.MEMBER, HourCategory.MEMBER, HourCategory.SECRETARY]
    now = timezone.now()
    first = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for batch in chunks(
        LEARNERS,
        lambda n: User(
            username=f"bench-{n}",
            password="!",  # noqa: S106 - an unusable password
            role=Role.LEARNER,
            institution_id=schools[n // PER_SCHOOL].pk,
            date_joined=now,
        ),
    ):
        insert(User, batch)
    users = dict(
        User.objects.filter(username__startswith="bench-", role=Role.LEARNER).values_list(
            "username", "pk"
        )
    )
    assert len(users) == LEARNERS
    assert min(users.values()) >= first
    for batch in chunks(
        LEARNERS,
        lambda n: Learner(
            user_id=users[f"bench-{n}"],
            name=f"学员{n}",
            id_encrypted=encrypted,
            id_hash=f"{n:064x}",
            id_masked="110105********001X",
            issued_by_id=schools[n // PER_SCHOOL].pk,
            hour_category=categories[n % 3],
            hour_exempt=n % 50 == 0,
            created_at=now,
            updated_at=now,
        ),
    ):
        insert(Learner, batch)
    people = dict(Learner.objects.values_list("user_id", "pk"))
    person_of = [people[users[f"bench-{n}"]] for n in range(LEARNERS)]
    start = datetime.date(2024, 1, 1)
    span = (timezone.localdate() - start).days

    def entry(k: int) -> HourEntry:
        n, i = divmod(k, ENTRIES)
        hours = Decimal(1 + (k * 7) % 30)
        return HourEntry(
            learner_id=person_of[n],
            source=HourSource.RECOGNISED,
            title="网络专题培训",
            platform="中国教育干部网络学院",
            completed_on=start + datetime.timedelta(days=(k * 37) % span),
            hours=hours,
            theory_hours=hours / 2,
            recorded_at=now,
        )

    for batch in chunks(LEARNERS * ENTRIES, entry):
        insert(HourEntry, batch)
    hour_totals_refresh()  # each person's plan-period totals, as the services keep them
    # The bench school's cohorts: its people in three cohorts, one ending within the week.
    today = timezone.localdate()
    cohorts = [
        Cohort.objects.create(
            program=program,
            name=f"基准期次{c}",
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=3 + 30 * c),
            capacity=PER_SCHOOL,
        )
        for c in range(3)
    ]
    Enrollment.objects.bulk_create(
        [
            Enrollment(cohort=cohorts[n % 3], learner_id=users[f"bench-{n}"], institution=school)
            for n in range(min(PER_SCHOOL, LEARNERS))
        ],
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    learner = User.objects.get(pk=users["bench-1"])
    return school, staff, learner


def measure() -> bool:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from courses.models import Program

    program = Program.objects.get(code="party-affairs-staff")
    started = time.perf_counter()
    school, staff, learner = fill(program)
    filled = time.perf_counter() - started
    vendor = connection.vendor
    print(
        f"dashboard: {LEARNERS} people in schools of {PER_SCHOOL}, {LEARNERS * ENTRIES} hour "
        f"entries, database {vendor}; fill took {filled:.1f} s"
    )

    with override_settings(ROOT_URLCONF=bench_urlconf()):
        staff_client, learner_client = Client(), Client()
        staff_client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        learner_client.force_login(learner, backend="django.contrib.auth.backends.ModelBackend")
        pages = {
            "dashboard": (staff_client, reverse("learners:hours-dashboard")),
            "transcript": (learner_client, reverse("learners:transcript")),
            "trivial": (staff_client, reverse("bench-trivial")),
        }

        def run(name):
            client, url = pages[name]
            for _ in range(REQUESTS):
                response = client.get(url)
                assert response.status_code == 200, (name, response.status_code)

        for name in pages:  # warm up, and count the queries once
            with CaptureQueriesContext(connection) as queries:
                pages[name][0].get(pages[name][1])
            print(f"{name:<11} {len(queries)} queries")
        timings: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(REPEAT):  # interleaved rounds, so drift hits all alike
            for name in pages:
                began = time.perf_counter()
                run(name)
                timings[name].append(time.perf_counter() - began)

    per = {name: min(values) / REQUESTS * 1000 for name, values in timings.items()}
    print(f"school dashboard ({PER_SCHOOL} people)  {per['dashboard']:8.2f} ms/request")
    print(f"transcript ({ENTRIES} entries)          {per['transcript']:8.2f} ms/request")
    print(f"trivial signed-in page           {per['trivial']:8.2f} ms/request")
    passed = True
    for name in ("dashboard", "transcript"):
        ratio = per[name] / per["trivial"]
        ok = ratio <= LIMIT
        passed = passed and ok
        print(
            f"BENCH {name}[{vendor}] ratio={ratio:.3f} limit={LIMIT:.3f} {'PASS' if ok else 'FAIL'}"
        )
    return passed


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
