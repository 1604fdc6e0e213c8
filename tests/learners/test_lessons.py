"""Video lessons: the file with byte ranges, who may fetch it, its length and hours, and the
heartbeat that turns watching into credited time (the rules stated on the lesson page)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courses.models import HourBand, Lesson
from courses.services import (
    ERROR_VIDEO_TOO_LARGE,
    ERROR_VIDEO_UNREADABLE,
    lesson_hours,
    lesson_save,
    program_hour_bands_changed,
)
from learners.models import EnrollmentStatus, Learner, LessonProgress
from learners.services.lessons import (
    MESSAGE_OTHER_WINDOW,
    BadBeat,
    lesson_heartbeat,
)
from portal import pii
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from tests.factories import EnrollmentFactory, LearnerFactory, LessonFactory
from tests.media import real_video

pytestmark = pytest.mark.django_db

TAB_A = "tab-aaaaaaaa"
TAB_B = "tab-bbbbbbbb"
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def seconds(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=n)


def learner_row(user) -> Learner:
    """The learner's own row (placement makes it); it holds which window counts."""
    return Learner.objects.get_or_create(
        user=user,
        defaults={
            "name": user.full_name,
            "id_encrypted": pii.encrypt("11010519850101001X"),
            "id_hash": f"hash-{user.pk}".ljust(64, "0"),
            "id_masked": "110105********001X",
            "issued_by": user.institution,
        },
    )[0]


def video_lesson(program, *, seconds_long=3, **fields) -> Lesson:
    lesson = Lesson(
        program=program,
        title=fields.pop("title", "学习贯彻习近平新时代中国特色社会主义思想"),
        video=SimpleUploadedFile("lesson.webm", real_video(seconds_long), "video/webm"),
        **fields,
    )
    return lesson_save(lesson=lesson, by=None)


@pytest.fixture
def place(world):
    """learner_a's place, with her learner row, in a program whose one requirement is a lesson."""
    learner_row(world.users["learner_a"])
    return world.enrollment_a


def long_lesson(program, duration=600, **fields) -> Lesson:
    """A lesson whose length is given (the heartbeat reads only the number)."""
    return LessonFactory(program=program, duration_seconds=duration, **fields)


def beat(enrollment, lesson, at, position, tab=TAB_A):
    enrollment.refresh_from_db()
    return lesson_heartbeat(
        enrollment=enrollment, lesson=lesson, tab=tab, position=position, now=seconds(at)
    )


def watch(enrollment, lesson, start, end, *, step=10, tab=TAB_A, rate=1.0, t0=0):
    """Play from ``start`` to ``end`` (video seconds) at ``rate``, a beat every ``step`` seconds
    of wall time from wall time ``t0``; returns the last answer and the wall time it ended."""
    wall, position = t0, start
    answer = beat(enrollment, lesson, wall, position, tab)
    while position < end:
        wall += step
        position = min(end, position + step * rate)
        answer = beat(enrollment, lesson, wall, position, tab)
    return answer, wall


# ---- the file: length, hours, size ----


def test_a_real_video_is_measured_and_its_hours_follow_the_bands(world):
    program = world.study_cohort.program
    HourBand.objects.create(program=program, min_minutes=1, hours=Decimal("0.5"))

    lesson = video_lesson(program, seconds_long=3)

    assert lesson.duration_seconds == 3
    assert lesson.hours == Decimal("0")  # 3 s reaches no band
    assert lesson_hours(program, 60) == Decimal("0.5")


def test_the_highest_band_reached_counts_and_below_every_band_earns_nothing(world):
    program = world.study_cohort.program
    HourBand.objects.create(program=program, min_minutes=15, hours=Decimal("0.5"))
    HourBand.objects.create(program=program, min_minutes=30, hours=Decimal("1.0"))

    assert lesson_hours(program, 14 * 60 + 59) == Decimal("0")
    assert lesson_hours(program, 15 * 60) == Decimal("0.5")
    assert lesson_hours(program, 29 * 60) == Decimal("0.5")
    assert lesson_hours(program, 30 * 60) == Decimal("1.0")
    assert lesson_hours(program, 95 * 60) == Decimal("1.0")


def test_a_program_without_bands_gives_no_hours(world):
    assert lesson_hours(world.study_cohort.program, 3600) == Decimal("0")


def test_changing_the_bands_recomputes_every_lesson(world):
    program = world.study_cohort.program
    lesson = long_lesson(program, duration=20 * 60, hours=Decimal("0"))

    HourBand.objects.create(program=program, min_minutes=15, hours=Decimal("0.5"))
    changed = program_hour_bands_changed(program)

    lesson.refresh_from_db()
    assert (changed, lesson.hours) == (1, Decimal("0.5"))


def test_a_file_that_is_not_a_video_is_refused_with_the_message(world):
    program = world.study_cohort.program
    lesson = Lesson(
        program=program,
        title="发展党员工作流程与规范",
        video=SimpleUploadedFile("lesson.mp4", b"this is not a video at all" * 100, "video/mp4"),
    )

    with pytest.raises(ApplicationError) as refused:
        lesson_save(lesson=lesson, by=None)

    assert refused.value.fields["video"] == [str(ERROR_VIDEO_UNREADABLE)]
    assert not Lesson.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.LESSON_VIDEO_MAX_BYTES = 1000
    lesson = Lesson(
        program=world.study_cohort.program,
        title="党支部“三会一课”规范",
        video=SimpleUploadedFile("lesson.webm", real_video(3), "video/webm"),
    )

    with pytest.raises(ApplicationError) as refused:
        lesson_save(lesson=lesson, by=None)

    assert str(ERROR_VIDEO_TOO_LARGE).split("%")[0] in refused.value.message
    assert not Lesson.objects.exists()


def test_only_the_academy_saves_lessons(world):
    lesson = Lesson(
        program=world.study_cohort.program,
        title="党支部“三会一课”规范",
        video=SimpleUploadedFile("lesson.webm", real_video(3), "video/webm"),
    )

    with pytest.raises(PermissionRefused):
        lesson_save(lesson=lesson, by=world.users["staff_a"])

    saved = lesson_save(lesson=lesson, by=world.users["coord_ug"])
    assert saved.duration_seconds == 3


# ---- the video: ranges ----


@pytest.fixture
def video(world, place):
    lesson = video_lesson(world.study_cohort.program, seconds_long=3)
    url = reverse("learners:lesson-video", kwargs={"pk": place.pk, "lesson": lesson.pk})
    return lesson, url, real_video(3)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_whole_video_is_served_with_its_headers(world, client_for, video):
    lesson, url, data = video

    response = client_for(world.users["learner_a"]).get(url)

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "video/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(data))
    assert response["Cache-Control"] == "private"
    assert response["ETag"]
    assert response["Last-Modified"]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-500", -500, None),
        ("bytes=10-999999999", 10, None),
    ],
)
def test_each_form_of_range_is_answered_206(world, client_for, video, header, first, last):
    lesson, url, data = video
    size = len(data)
    start = first if first >= 0 else size + first
    end = last if last is not None else size - 1

    response = client_for(world.users["learner_a"]).get(url, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == data[start : end + 1]


@pytest.mark.parametrize(
    "header", ["bytes=999999999-", "bytes=50-10", "bytes=-0", "bytes=abc", "items=0-5", "bytes=-"]
)
def test_an_unsatisfiable_or_malformed_range_is_416(world, client_for, video, header):
    lesson, url, data = video

    response = client_for(world.users["learner_a"]).get(url, HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_several_ranges_get_the_whole_file(world, client_for, video):
    lesson, url, data = video

    response = client_for(world.users["learner_a"]).get(url, HTTP_RANGE="bytes=0-9,20-29")

    assert response.status_code == 200
    assert body(response) == data


def test_a_range_of_a_changed_file_gets_the_whole_file_and_a_cached_copy_gets_304(
    world, client_for, video
):
    lesson, url, data = video
    client = client_for(world.users["learner_a"])
    etag = client.get(url)["ETag"]

    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    fresh = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    cached = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert (stale.status_code, fresh.status_code, cached.status_code) == (200, 206, 304)


def test_a_head_request_sends_headers_only(world, client_for, video):
    lesson, url, data = video

    response = client_for(world.users["learner_a"]).head(url)

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))


# ---- the video: who may fetch it ----


def test_another_learner_a_school_and_a_province_are_refused_and_anonymous_must_sign_in(
    world, client_for, video
):
    lesson, url, data = video
    other = LearnerFactory(institution=world.school_a)
    EnrollmentFactory(cohort=world.study_cohort, learner=other, institution=world.school_a)

    assert client_for(other).get(url).status_code == 404
    assert client_for(world.users["staff_a"]).get(url).status_code == 404
    assert client_for(world.users["prov_bj"]).get(url).status_code == 404
    anonymous = client_for(world.users["anonymous"]).get(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_a_lesson_of_another_program_is_not_found_through_her_place(world, client_for, place):
    from courses.models import Program

    other_program = Program.objects.exclude(pk=world.study_cohort.program_id).first()
    lesson = LessonFactory(program=other_program)
    url = reverse("learners:lesson-video", kwargs={"pk": place.pk, "lesson": lesson.pk})

    assert client_for(world.users["learner_a"]).get(url).status_code == 404


def test_the_academy_previews_a_lesson_and_nobody_else_does(world, client_for, video):
    lesson, url, data = video
    preview = reverse("learners:lesson-preview", kwargs={"lesson": lesson.pk})

    for role in ("coord_ug", "coord_voc", "admin"):
        assert client_for(world.users[role]).get(preview).status_code == 200, role
    for role in ("learner_a", "staff_a", "prov_bj"):
        assert client_for(world.users[role]).get(preview).status_code == 404, role


# ---- the heartbeat: the rules ----


def test_steady_watching_credits_the_time_that_passed(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    answer, wall = watch(place, lesson, 0, 120)

    assert answer.counting
    assert answer.watched_seconds == 120
    assert LessonProgress.objects.get().watched_seconds == 120


def test_the_first_beat_only_starts_a_stretch(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    answer = beat(place, lesson, 0, 5)

    assert answer.counting
    assert answer.watched_seconds == 0


def test_seeking_ahead_credits_nothing(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    watch(place, lesson, 0, 30)  # wall time 0..30

    jumped = beat(place, lesson, 40, 300)  # 10 s later, 270 s further
    after = beat(place, lesson, 50, 310)  # goes on from the skipped-to point

    assert jumped.watched_seconds == 30
    assert jumped.warning
    assert after.watched_seconds == 30
    assert "跳过" in after.message


def test_faster_playback_is_never_credited_beyond_the_time_that_passed(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    answer, wall = watch(place, lesson, 0, 200, rate=2.0)

    assert answer.watched_seconds <= wall
    assert answer.watched_seconds == 0  # each 2x stretch moved 20 s in 10 s of wall time


def test_rewatching_earns_nothing_more(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    watch(place, lesson, 0, 100)

    answer, _ = watch(place, lesson, 0, 60, t0=200)

    assert answer.watched_seconds == 100


def test_watching_goes_on_from_where_it_was_credited(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    watch(place, lesson, 0, 100)

    answer, _ = watch(place, lesson, 100, 160, t0=300)  # after a long break, from 100 s

    assert answer.watched_seconds == 160


def test_a_second_window_earns_nothing_while_the_first_beats_and_takes_over_after_silence(
    world, place
):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    other = long_lesson(world.study_cohort.program, duration=600, title="党支部“三会一课”规范")
    watch(place, lesson, 0, 30, tab=TAB_A)  # A counts until wall time 30

    refused = beat(place, other, 35, 0, tab=TAB_B)
    still_a = beat(place, lesson, 40, 40, tab=TAB_A)
    refused_again = beat(place, other, 45, 10, tab=TAB_B)
    # A falls silent after 40; after the window (45 s) B takes over, from the start of its lesson
    taken = beat(place, other, 40 + 46, 0, tab=TAB_B)
    b_counts = beat(place, other, 40 + 56, 10, tab=TAB_B)
    a_refused = beat(place, lesson, 40 + 60, 50, tab=TAB_A)

    assert not refused.counting
    assert refused.message == str(MESSAGE_OTHER_WINDOW)
    assert not refused_again.counting
    assert still_a.counting
    assert still_a.watched_seconds == 40
    assert taken.counting
    assert taken.watched_seconds == 0
    assert b_counts.counting
    assert b_counts.watched_seconds == 10
    assert not a_refused.counting
    assert LessonProgress.objects.get(lesson=lesson).watched_seconds == 40


def test_credited_time_never_exceeds_the_video(world, place):
    lesson = long_lesson(world.study_cohort.program, duration=25)

    answer, _ = watch(place, lesson, 0, 30)  # the player reports up to 5 s past the measured end

    assert answer.watched_seconds == 25


@pytest.mark.parametrize("position", [-1, 606, float("nan"), float("inf"), "12", None, True])
def test_a_position_outside_the_video_is_refused(world, place, position):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    with pytest.raises(BadBeat):
        lesson_heartbeat(enrollment=place, lesson=lesson, tab=TAB_A, position=position)

    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize("tab", ["short", "x" * 33, "has space!", "", None])
def test_a_malformed_tab_is_refused(world, place, tab):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    with pytest.raises(BadBeat):
        lesson_heartbeat(enrollment=place, lesson=lesson, tab=tab, position=0)


def test_completion_is_recorded_once_and_completes_the_enrollment(world, place):
    program = world.study_cohort.program
    program.require_all_lessons, program.lesson_completion_percent = True, 90
    for flag in ("require_essay", "require_exam", "require_simulation"):
        setattr(program, flag, False)
    program.min_posts = program.min_live_sessions = 0
    program.save()
    lesson = long_lesson(program, duration=100, hours=Decimal("1.0"))

    before, _ = watch(place, lesson, 0, 80)
    done, wall = watch(place, lesson, 80, 90, t0=100)
    first_completed_at = LessonProgress.objects.get().completed_at
    again, _ = watch(place, lesson, 90, 100, t0=wall)

    assert not before.completed
    assert done.completed
    assert again.completed
    assert LessonProgress.objects.get().completed_at == first_completed_at
    place.refresh_from_db()
    assert place.status == EnrollmentStatus.COMPLETED
    assert place.hours_earned == Decimal("1.0")


def test_nothing_is_credited_after_the_cohort_ended(world, place):
    cohort = world.study_cohort
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=40)
    cohort.end_date = timezone.localdate() - datetime.timedelta(days=1)
    cohort.save()
    lesson = long_lesson(cohort.program, duration=600)

    with pytest.raises(StateConflict):
        beat(place, lesson, 0, 0)

    assert not LessonProgress.objects.exists()


# ---- the heartbeat endpoint ----


def heartbeat_url(enrollment, lesson):
    return reverse("learners:lesson-heartbeat", kwargs={"pk": enrollment.pk, "lesson": lesson.pk})


def post_beat(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def test_the_endpoint_answers_the_rules_in_json(world, client_for, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    client = client_for(world.users["learner_a"])

    response = post_beat(client, heartbeat_url(place, lesson), {"tab": TAB_A, "position": 0})

    assert response.status_code == 200
    assert response.json() | {"message": ""} == {
        "watched_seconds": 0,
        "duration": 600,
        "completed": False,
        "counting": True,
        "message": "",
        "warning": False,
    }


def test_the_endpoint_refuses_bad_input_with_400_and_a_closed_cohort_with_409(
    world, client_for, place
):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    client = client_for(world.users["learner_a"])
    url = heartbeat_url(place, lesson)

    assert post_beat(client, url, {"tab": TAB_A, "position": 9999}).status_code == 400
    assert post_beat(client, url, {"tab": "no", "position": 1}).status_code == 400
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    assert post_beat(client, url, [1, 2]).status_code == 400
    world.study_cohort.end_date = timezone.localdate() - datetime.timedelta(days=1)
    world.study_cohort.start_date = world.study_cohort.end_date - datetime.timedelta(days=10)
    world.study_cohort.save()
    closed = post_beat(client, url, {"tab": TAB_A, "position": 1})
    assert closed.status_code == 409
    assert "学习时间" in closed.json()["message"]


def test_the_endpoint_is_the_learners_own_and_csrf_protected(world, client_for, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    url = heartbeat_url(place, lesson)
    other = LearnerFactory(institution=world.school_a)
    learner_row(other)
    EnrollmentFactory(cohort=world.study_cohort, learner=other, institution=world.school_a)
    payload = {"tab": TAB_A, "position": 0}

    assert post_beat(client_for(other), url, payload).status_code == 404
    assert post_beat(client_for(world.users["staff_a"]), url, payload).status_code == 404
    assert post_beat(client_for(world.users["coord_ug"]), url, payload).status_code == 404
    anonymous = post_beat(client_for(world.users["anonymous"]), url, payload)
    assert anonymous.status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["learner_a"])
    assert post_beat(strict, url, payload).status_code == 403
    assert not LessonProgress.objects.exists()


def test_a_heartbeat_costs_a_fixed_few_queries(world, client_for, place, django_assert_num_queries):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    client = client_for(world.users["learner_a"])
    url = heartbeat_url(place, lesson)
    post_beat(client, url, {"tab": TAB_A, "position": 0})  # the first beat creates the row

    # session + user (auth), then: the progress row with its enrollment and lesson, the clock's
    # conditional UPDATE and the progress UPDATE (one statement on PostgreSQL)
    writes = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(3 + writes):
        response = post_beat(client, url, {"tab": TAB_A, "position": 1})

    assert response.status_code == 200
    assert response.json()["watched_seconds"] == 1
    assert LessonProgress.objects.get(lesson=lesson).watched_seconds == 1


def test_a_second_window_writes_nothing_on_the_one_statement_path_too(world, client_for, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    client = client_for(world.users["learner_a"])
    url = heartbeat_url(place, lesson)
    post_beat(client, url, {"tab": TAB_A, "position": 0})
    before = LessonProgress.objects.get(lesson=lesson)

    answer = post_beat(client, url, {"tab": TAB_B, "position": 0}).json()

    assert answer["counting"] is False
    after = LessonProgress.objects.get(lesson=lesson)
    assert (after.tab, after.beat_at) == (before.tab, before.beat_at)


# ---- the pages ----


def test_the_lessons_page_lists_progress(world, client_for, place):
    program = world.study_cohort.program
    first = long_lesson(program, duration=600, title="学习贯彻习近平新时代中国特色社会主义思想")
    long_lesson(program, duration=300, title="发展党员工作流程与规范", is_theory=False)
    LessonProgress.objects.create(enrollment=place, lesson=first, watched_seconds=300)

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:lessons", kwargs={"pk": place.pk})
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "学习贯彻习近平新时代中国特色社会主义思想" in text
    assert "发展党员工作流程与规范" in text
    assert "已观看 50%" in text


def test_the_lesson_page_has_the_player_and_the_rules(world, client_for, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:lesson", kwargs={"pk": place.pk, "lesson": lesson.pk})
    )

    text = response.content.decode()
    assert '<video id="lesson-video" controls preload="metadata"' in text
    assert reverse("learners:lesson-video", kwargs={"pk": place.pk, "lesson": lesson.pk}) in text
    assert "同一时间只有一个窗口计时" in text
    assert "js/lesson.js" in text


def test_the_pages_are_not_found_for_others(world, client_for, place):
    lesson = long_lesson(world.study_cohort.program, duration=600)
    for name, kwargs in (
        ("learners:lessons", {"pk": place.pk}),
        ("learners:lesson", {"pk": place.pk, "lesson": lesson.pk}),
    ):
        url = reverse(name, kwargs=kwargs)
        for role in ("staff_a", "prov_bj", "coord_ug"):
            assert client_for(world.users[role]).get(url).status_code == 404, (name, role)


def test_a_stored_video_is_measured_again_only_when_it_changes(world):
    lesson = video_lesson(world.study_cohort.program, seconds_long=3)
    lesson.title = "改了名字"
    lesson.video.name = lesson.video.name  # unchanged file: not read again

    saved = lesson_save(lesson=lesson, by=None)
    saved.video.save("new.webm", ContentFile(real_video(4)), save=False)
    saved.duration_seconds = 0
    again = lesson_save(lesson=saved, by=None)

    assert again.duration_seconds == 4


# ---- the admin: a coordinator builds a program's lessons ----


def program_change_form(program, *, bands=(), lessons=()):
    form = {
        field: ("" if value is None else value)
        for field, value in type(program).objects.values().get(pk=program.pk).items()
        if field not in ("id", "created_at", "updated_at")
    }
    form["is_active"] = "on" if form["is_active"] else ""
    form.update(
        {
            "hour_bands-TOTAL_FORMS": len(bands),
            "hour_bands-INITIAL_FORMS": 0,
            "lessons-TOTAL_FORMS": len(lessons),
            "lessons-INITIAL_FORMS": 0,
        }
    )
    for n, (minutes, hours) in enumerate(bands):
        form[f"hour_bands-{n}-min_minutes"] = minutes
        form[f"hour_bands-{n}-hours"] = hours
    for n, (title, upload) in enumerate(lessons):
        form.update(
            {
                f"lessons-{n}-position": n,
                f"lessons-{n}-title": title,
                f"lessons-{n}-speaker": "王老师",
                f"lessons-{n}-is_theory": "on",
                f"lessons-{n}-video": upload,
                f"lessons-{n}-description": "",
            }
        )
    return form


def test_a_coordinator_adds_bands_and_a_lesson_in_the_admin(world, client_for):
    program = world.study_cohort.program
    url = reverse("admin:courses_program_change", args=[program.pk])
    upload = SimpleUploadedFile("lesson.webm", real_video(60), "video/webm")

    response = client_for(world.users["coord_ug"]).post(
        url,
        program_change_form(program, bands=[(1, "0.5")], lessons=[("党章学习", upload)]),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = Lesson.objects.get(program=program)
    assert (lesson.duration_seconds, lesson.hours) == (60, Decimal("0.5"))
    assert HourBand.objects.filter(program=program).count() == 1


def test_the_admin_refuses_a_file_that_is_not_a_video(world, client_for):
    program = world.study_cohort.program
    url = reverse("admin:courses_program_change", args=[program.pk])
    upload = SimpleUploadedFile("lesson.mp4", b"not a video" * 50, "video/mp4")

    response = client_for(world.users["coord_ug"]).post(
        url, program_change_form(program, lessons=[("党章学习", upload)])
    )

    assert response.status_code == 200
    assert str(ERROR_VIDEO_UNREADABLE) in response.content.decode()
    assert not Lesson.objects.exists()


# ---- the demo's lessons ----


def test_the_demo_makes_real_short_videos_once(world, monkeypatch):
    from portal import demo_lessons

    monkeypatch.setattr(
        demo_lessons,
        "DEMO_LESSONS",
        [
            ("学习贯彻习近平新时代中国特色社会主义思想", "张明 教授", 3, True, "简介"),
            ("发展党员工作流程与规范", "李华 副研究员", 2, False, ""),
        ],
    )
    program = world.study_cohort.program

    made = demo_lessons.load_lessons_demo(world.study_cohort)
    again = demo_lessons.load_lessons_demo(program)

    assert (made, again) == (2, 0)
    lessons = list(Lesson.objects.filter(program=program).order_by("position"))
    assert [lesson.duration_seconds for lesson in lessons] == [3, 2]
    assert [lesson.is_theory for lesson in lessons] == [True, False]
    assert lessons[0].video.read(4) == b"\x1a\x45\xdf\xa3"  # a Matroska/WebM file
    assert HourBand.objects.filter(program=program).count() == len(demo_lessons.DEMO_BANDS)
