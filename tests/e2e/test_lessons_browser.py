"""A learner plays a lesson in a real browser (Debian's Chromium): the video plays and seeks
through byte ranges, and the page's heartbeat is recorded by the server."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.e2e.test_browser import page  # noqa: F401 - the browser fixture
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, LearnerFactory
from tests.media import real_video


@pytest.fixture
def lesson_page_url(transactional_db):
    from courses.models import Lesson, Program
    from courses.services import catalog_load, lesson_save
    from enrollment.services import provinces_load
    from tests.learners.test_lessons import learner_row

    provinces_load()
    catalog_load()
    program = Program.objects.get(code="party-affairs-staff")
    learner = LearnerFactory(username="video-learner")
    learner_row(learner)
    cohort = CohortFactory(
        program=program,
        start_date=timezone.localdate() - datetime.timedelta(days=1),
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    enrollment = EnrollmentFactory(cohort=cohort, learner=learner)
    lesson = lesson_save(
        lesson=Lesson(
            program=program,
            title="党支部“三会一课”规范",
            video=SimpleUploadedFile("lesson.webm", real_video(20), "video/webm"),
        ),
        by=None,
    )
    return (
        learner,
        enrollment,
        lesson,
        reverse("learners:lesson", kwargs={"pk": enrollment.pk, "lesson": lesson.pk}),
    )


def test_a_learner_plays_and_seeks_a_lesson_and_her_watching_is_recorded(
    page,  # noqa: F811
    lesson_page_url,
):
    from learners.models import LessonProgress

    learner, enrollment, lesson, url = lesson_page_url
    page.goto(page.base + reverse("portal:login") + "?next=" + url)
    page.fill("#id_username", learner.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> text=登录")
    page.wait_for_url("**" + url)

    # when she plays the video (muted, as a page may start it without a click)
    page.eval_on_selector("#lesson-video", "v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.getElementById('lesson-video').currentTime > 1.5")
    # and seeks within it (the browser fetches the rest by byte range)
    page.eval_on_selector("#lesson-video", "v => { v.currentTime = 12; }")
    page.wait_for_function("() => document.getElementById('lesson-video').currentTime > 13")
    page.wait_for_function(
        "() => Number(document.getElementById('lesson-video').dataset.beats) >= 2"
    )

    # then the server recorded her heartbeats, and the page broke no policy
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert progress.beat_at is not None
    assert progress.tab
    assert not [m for m in page.console_messages_seen if "Content Security Policy" in m]
