"""The lesson heartbeat's cost (`make bench-heartbeat`): the portal's most frequent request.

Target (the learning issue): a heartbeat, through the whole middleware stack as the browser sends
it (session, CSRF, authentication, JSON in and out), costs at most 2x a trivial signed-in view
(session and user read, the same JSON posted and answered), measured in the same run on the same database. Every beat
is a credited one (the position advances within the time that passed), the common path: one
read of the progress row, the window's conditional UPDATE, the progress UPDATE.

/healthz/ (one SELECT 1, no session) is printed for reference. Each timing is the best of a few
rounds of ``BENCH_HEARTBEAT_REQUESTS`` requests. Uses DATABASE_URL when set (PostgreSQL in CI),
else SQLite; the database's vendor is part of the target's name: BENCH heartbeat[postgresql].
"""

import json
import os
import sys
import time
import types

REQUESTS = int(os.environ.get("BENCH_HEARTBEAT_REQUESTS", "400"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
LIMIT = 2.0


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
    """The portal's routes plus the trivial signed-in view to compare with."""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.urls import include, path

    @login_required
    def trivial(request):
        """Signed in, the same JSON in and out, no work: what any such request costs."""
        data = json.loads(request.body)
        return JsonResponse({"user": request.user.pk, "position": data["position"]})

    module = types.ModuleType("bench_heartbeat_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/trivial/", trivial, name="bench-trivial"),
        path("", include("config.urls")),
    ]
    return module


def measure() -> bool:
    import datetime

    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone

    from courses.models import Cohort, Lesson, Program
    from enrollment.models import Institution, InstitutionType, Province
    from learners.models import Enrollment, Learner, LessonProgress
    from portal import pii
    from portal.models import Desk, Role, User

    program = Program.objects.get(code="party-affairs-staff")
    school = Institution.objects.create(
        name="基准测试大学",
        code="4111000002",
        type=InstitutionType.UNDERGRADUATE,
        desk=Desk.UNDERGRADUATE,
        province=Province.objects.get(code="11"),
    )
    user = User.objects.create(username="bench-learner", role=Role.LEARNER, institution=school)
    Learner.objects.create(
        user=user,
        name="基准学员",
        id_encrypted=pii.encrypt("11010519850101001X"),
        id_hash="b" * 64,
        id_masked="110105********001X",
        issued_by=school,
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        program=program,
        name="基准期次",
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=30),
        capacity=10,
    )
    enrollment = Enrollment.objects.create(cohort=cohort, learner=user, institution=school)
    lesson = Lesson(program=program, title="基准课程", duration_seconds=10**7)
    lesson.video.save("bench.webm", ContentFile(b"stand-in"), save=False)
    lesson.save()

    with override_settings(ROOT_URLCONF=bench_urlconf()):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        beat_url = reverse("learners:lesson-heartbeat", args=[enrollment.pk, lesson.pk])
        trivial_url = reverse("bench-trivial")
        position = [0.0]

        def heartbeats():
            for _ in range(REQUESTS):
                position[0] += 0.001  # well within the time that passes between two requests
                response = client.post(
                    beat_url,
                    data=json.dumps({"tab": "bench-tab-0001", "position": position[0]}),
                    content_type="application/json",
                )
                assert response.status_code == 200, response.content

        def trivial():
            for _ in range(REQUESTS):
                response = client.post(
                    trivial_url,
                    data=json.dumps({"tab": "bench-tab-0001", "position": position[0]}),
                    content_type="application/json",
                )
                assert response.status_code == 200

        def healthz():
            for _ in range(REQUESTS):
                assert client.get("/healthz/").status_code == 200

        heartbeats()  # warm up (the progress row, imports, the first connection)
        trivial()
        timings: dict[str, list[float]] = {"heartbeat": [], "trivial": [], "healthz": []}
        for _ in range(REPEAT):  # interleaved rounds, so drift hits all three alike
            for name, run in (
                ("heartbeat", heartbeats),
                ("trivial", trivial),
                ("healthz", healthz),
            ):
                started = time.perf_counter()
                run()
                timings[name].append(time.perf_counter() - started)
        progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
        assert progress.watched_seconds > 0, "the benchmark's beats were not credited"

    vendor = connection.vendor
    per = {name: min(values) / REQUESTS * 1000 for name, values in timings.items()}
    print(f"heartbeat: {REQUESTS} requests x {REPEAT} rounds, database {vendor}")
    print(f"heartbeat (credited)        {per['heartbeat']:7.3f} ms/request")
    print(f"trivial signed-in view      {per['trivial']:7.3f} ms/request")
    print(f"/healthz/ (reference)       {per['healthz']:7.3f} ms/request")
    ratio = per["heartbeat"] / per["trivial"]
    passed = ratio <= LIMIT
    print(
        f"BENCH heartbeat[{vendor}] ratio={ratio:.3f} limit={LIMIT:.3f} {'PASS' if passed else 'FAIL'}"
    )
    return passed


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
