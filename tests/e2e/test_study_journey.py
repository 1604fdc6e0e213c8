"""The whole study journey in a real browser (Debian's Chromium, driven by Playwright).

A coordinator builds a program in the admin (its requirements, an hour band, a real video lesson,
two exam questions), opens a cohort and a discussion topic on the portal; a new learner sets her
password, watches the lesson (seeking ahead and a second window earn nothing), posts, writes her
essay, which the coordinator passes, passes the exam and sees her place completed with its hours;
she also starts the scenario simulation; and the coordinator sees her completed on the cohort's
progress page. Every page is checked for console errors and Content Security Policy violations,
and a screenshot of every step is saved (under $E2E_SCREENSHOTS, or the test's tmp_path).
"""

import datetime
import os
import re
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, AcademyCoordinatorFactory, EnrollmentFactory, LearnerFactory
from tests.media import real_video

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEW_PASSWORD = "Study-Journey-2026-pw"
VIDEO_SECONDS = 6
ESSAY_BODY = (
    "通过本次培训，我系统学习了党的创新理论和高校基层党建工作的基本要求，"
    "进一步明确了党支部书记的职责任务。今后我将把所学用于支部工作实践，"
    "规范开展三会一课，认真做好发展党员和党员教育管理工作。"
)
QUESTIONS = [
    ("党的最高理想和最终目标是什么？", ["实现共产主义", "实现小康社会", "发展经济"], 0),
    ("党支部委员会每届任期几年？", ["一年", "三年或五年", "十年"], 1),
]


class Journey:
    """The browser side of the test: one context per person, every console error and CSP
    violation collected, and a numbered screenshot per step."""

    def __init__(self, browser, base: str, shots: Path):
        self.browser, self.base, self.shots = browser, base, shots
        self.errors: list[str] = []
        self.count = 0

    def person(self):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        self.watch(page)
        return page

    def watch(self, page) -> None:
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: pageerror {e}"))
        page.on("dialog", lambda dialog: dialog.accept())  # the pages' "are you sure?"

    def _console(self, page, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.errors.append(f"{page.url}: {message.type} {message.text}")

    def shot(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)
        assert not self.errors, self.errors

    def go(self, page, path: str):
        response = page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        return response

    def sign_in(self, page, username: str, password: str = PASSWORD) -> None:
        self.go(page, "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form button[type=submit] >> text=登录")
        page.wait_for_load_state()


@pytest.fixture
def journey(live_server, tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail("browser tests need Debian's chromium (scripts/system-packages test)")
        pytest.skip("chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield Journey(browser, live_server.url, shots)
        browser.close()
    print(f"\nscreenshots: {shots}")


def wait_beats(page, at_least: int) -> None:
    page.wait_for_function(
        f"() => Number(document.getElementById('lesson-video').dataset.beats || 0) >= {at_least}"
    )


def beats(page) -> int:
    return int(page.eval_on_selector("#lesson-video", "v => Number(v.dataset.beats || 0)"))


def play(page) -> None:
    page.eval_on_selector("#lesson-video", "v => { v.muted = true; return v.play(); }")


def test_a_coordinator_builds_a_program_and_a_new_learner_completes_it(journey, transactional_db):
    started = time.monotonic()
    from courses.models import Cohort, Lesson, Program, Question, SimulationOption
    from courses.services import catalog_load
    from enrollment.services import provinces_load
    from learners.models import Enrollment, EnrollmentStatus, LessonProgress, StepProgress
    from tests.learners.test_lessons import learner_row

    provinces_load()
    catalog_load()
    today = timezone.localdate()
    program = Program.objects.get(code="party-affairs-staff")
    simulation = Program.objects.get(code="development-workflow-simulation")
    assert simulation.require_simulation
    coordinator = AcademyCoordinatorFactory(username="coordinator", full_name="学院老师")
    learner = LearnerFactory(username="new-learner", full_name="张学员", must_change_password=True)
    # Her Learner row comes with her placement (tested elsewhere); it holds her counting window.
    learner_row(learner)
    video = Path(journey.shots.parent / "第一讲.webm")
    video.write_bytes(real_video(VIDEO_SECONDS))

    # ---- 1. the coordinator builds the program in the admin ----
    coord = journey.person()
    journey.sign_in(coord, coordinator.username)
    coord.wait_for_url(re.compile(r".*/dashboard/$"))
    coord.click("nav >> text=管理后台")
    coord.wait_for_url("**/admin/")
    journey.go(coord, f"/admin/courses/program/{program.pk}/change/")
    coord.check("#id_require_all_lessons")
    assert coord.input_value("#id_lesson_completion_percent") == "90"
    coord.fill("#id_min_posts", "1")
    coord.check("#id_require_essay")
    coord.fill("#id_essay_min_chars", "50")
    coord.check("#id_require_exam")
    coord.fill("#id_exam_question_count", "2")
    coord.fill("#id_exam_pass_score", "60")
    coord.fill("#id_exam_max_attempts", "2")
    coord.fill("#id_activity_hours", "3.5")
    coord.click("#hour_bands-group .add-row a")
    coord.fill("#id_hour_bands-0-min_minutes", "1")
    coord.fill("#id_hour_bands-0-hours", "0.5")
    coord.click("#lessons-group .add-row a")
    coord.fill("#id_lessons-0-title", "第一讲 党支部“三会一课”规范")
    coord.fill("#id_lessons-0-speaker", "王老师")
    coord.set_input_files("#id_lessons-0-video", str(video))
    journey.shot(coord, "admin-program-filled")
    coord.click("input[name=_continue]")
    coord.wait_for_load_state()
    assert coord.locator(".errornote").count() == 0, coord.inner_text("#content")
    journey.shot(coord, "admin-program-saved")
    program.refresh_from_db()
    assert (program.min_posts, program.require_essay, program.require_exam) == (1, True, True)
    assert (program.exam_question_count, program.exam_max_attempts) == (2, 2)
    assert program.hour_bands.count() == 1
    lesson = Lesson.objects.get(program=program)
    assert lesson.duration_seconds == VIDEO_SECONDS  # measured from the uploaded file

    for text, choices, right in QUESTIONS:
        journey.go(coord, "/admin/courses/question/add/")
        coord.select_option("#id_program", str(program.pk))
        coord.select_option("#id_kind", "single")
        coord.fill("#id_text", text)
        for n, choice in enumerate(choices):
            coord.fill(f"#id_choices-{n}-position", str(n))
            coord.fill(f"#id_choices-{n}-text", choice)
        coord.check(f"#id_choices-{right}-is_correct")
        coord.click("input[name=_save]")
        coord.wait_for_url("**/admin/courses/question/")
    journey.shot(coord, "admin-questions")
    assert Question.objects.filter(program=program).count() == 2

    # a cohort around today, on the portal page, then a discussion topic for it
    coord.click("nav >> text=期次")
    journey.go(coord, "/cohorts/new/")
    coord.select_option("#id_program", str(program.pk))
    coord.fill("#id_name", "2026年旅程测试期")
    coord.fill("#id_start_date", today.isoformat())
    coord.fill("#id_end_date", (today + datetime.timedelta(days=30)).isoformat())
    coord.fill("#id_capacity", "30")
    coord.click("form button[type=submit] >> text=创建")
    coord.wait_for_url(re.compile(r".*/cohorts/\d+/$"))
    cohort = Cohort.objects.get(name="2026年旅程测试期")
    coord.click("text=主题研讨")
    coord.wait_for_url(f"**/cohorts/{cohort.pk}/discussion/")
    coord.fill("#id_title", "如何把“三会一课”开出实效")
    coord.fill("#id_prompt", "结合本支部实际谈谈做法。")
    coord.click("form button[type=submit] >> text=创建")
    coord.wait_for_url(re.compile(rf".*/cohorts/{cohort.pk}/discussion/\d+/$"))
    journey.shot(coord, "coordinator-topic")

    # Her places come from receipts placed into cohorts (tested elsewhere): made here directly.
    enrollment = EnrollmentFactory(cohort=cohort, learner=learner)
    simulation_cohort = Cohort.objects.create(
        program=simulation,
        name="情景模拟旅程测试期",
        start_date=today,
        end_date=today + datetime.timedelta(days=30),
        capacity=30,
    )
    simulation_place = EnrollmentFactory(cohort=simulation_cohort, learner=learner)

    # ---- 2. a new learner signs in, sets her password and finds her study ----
    me = journey.person()
    journey.sign_in(me, learner.username)
    me.wait_for_url("**/accounts/password/**")
    assert "首次登录" in me.content()
    me.fill("#id_new_password1", NEW_PASSWORD)
    me.fill("#id_new_password2", NEW_PASSWORD)
    journey.shot(me, "learner-set-password")
    me.click("form button[type=submit] >> text=保存新密码")
    me.wait_for_url(re.compile(r".*/dashboard/$"))
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    card = me.locator(".card", has_text=program.name)
    assert "还需完成" in card.inner_text()
    assert "视频课程" in card.inner_text()
    journey.shot(me, "learner-my-study")
    card.locator("text=继续学习").click()
    me.wait_for_url(f"**/study/{enrollment.pk}/")
    me.click(".part-card:has-text('视频课程') a")
    me.wait_for_url(f"**/study/{enrollment.pk}/lessons/")
    me.click(f"text={lesson.title}")
    me.wait_for_url(f"**/lessons/{lesson.pk}/")

    # seeking ahead earns nothing: she plays a second, jumps to the end and the video ends
    play(me)
    me.wait_for_function("() => document.getElementById('lesson-video').currentTime > 1")
    me.eval_on_selector("#lesson-video", "v => { v.currentTime = 5; }")
    me.wait_for_function("() => document.getElementById('lesson-video').ended")
    me.wait_for_selector("#lesson-message >> text=跳过的部分不计入")
    journey.shot(me, "lesson-skipped")
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert progress.watched_seconds <= 2
    assert progress.completed_at is None
    first_window = progress.tab

    # a second window playing at the same time earns nothing while the first one counts
    other = me.context.new_page()
    journey.watch(other)
    other.goto(me.url)
    me.click("#lesson-resume")  # back to where her credited watching stopped, playing
    play(other)
    other.wait_for_selector("#lesson-message >> text=另一个窗口或设备正在计时")
    me.wait_for_function("() => document.getElementById('lesson-video').currentTime > 2.5")
    sent = beats(me)
    me.eval_on_selector("#lesson-video", "v => v.dispatchEvent(new Event('seeked'))")
    wait_beats(me, sent + 1)  # her own window's beat mid-way is credited
    assert "d-none" not in (me.get_attribute("#lesson-counting", "class") or "")
    sent = beats(other)
    other.eval_on_selector("#lesson-video", "v => v.dispatchEvent(new Event('seeked'))")
    wait_beats(other, sent + 1)
    assert other.locator("#lesson-message").is_visible()
    journey.shot(other, "lesson-second-window-refused")
    me.wait_for_selector("#lesson-done:not(.d-none)", timeout=15_000)
    journey.shot(me, "lesson-completed")
    progress.refresh_from_db()
    assert progress.completed_at is not None
    assert progress.watched_seconds == VIDEO_SECONDS  # never doubled by the second window
    assert progress.tab == first_window  # the second window's beats never touched her progress
    other.close()

    # she posts in the discussion
    journey.go(me, f"/study/{enrollment.pk}/")
    me.click(".part-card:has-text('主题研讨') a")
    me.click("text=如何把“三会一课”开出实效")
    me.fill("#new-post", "我们支部坚持每月固定主题党日，会前征求党员意见，会后跟踪落实。")
    me.click("form button[type=submit] >> text=发表")
    me.wait_for_selector("text=已发表。")
    journey.shot(me, "discussion-posted")

    # she writes and submits her essay
    journey.go(me, f"/study/{enrollment.pk}/")
    me.click(".part-card:has-text('心得') a")
    me.wait_for_url(f"**/study/{enrollment.pk}/essay/")
    me.fill("#id_title", "参加高校基层党务工作者培训的体会")
    me.fill("#id_body", ESSAY_BODY)
    me.click("button[name=action][value=submit]")
    me.wait_for_selector("text=心得已提交，请等待老师批阅。")
    journey.shot(me, "essay-submitted")

    # the coordinator passes it from the essay queue
    coord.click("nav >> text=心得批阅")
    coord.wait_for_url("**/essays/")
    coord.locator("tr", has_text="张学员").locator("text=批阅").click()
    coord.click("button[name=decision][value=pass]")
    coord.wait_for_selector("text=心得已通过。")
    journey.shot(coord, "essay-passed")

    # she takes the exam and answers right
    journey.go(me, f"/study/{enrollment.pk}/exam/")
    me.click("form button[type=submit] >> text=开始考试")
    me.wait_for_url(re.compile(rf".*/study/{enrollment.pk}/exam/\d+/$"))
    for text, choices, right in QUESTIONS:
        question = me.locator(".exam-question", has_text=text)
        question.locator("label", has_text=choices[right]).click()
    journey.shot(me, "exam-answered")
    me.click("#exam-form button[type=submit]")
    me.wait_for_url("**/result/")
    assert me.inner_text("#exam-score").strip() == "100"
    journey.shot(me, "exam-passed")

    # her place is completed, with its hours, on her study page
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    enrollment.refresh_from_db()
    lesson.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    # the lesson's hours (0: the shortest hour band is 1 minute, the video 6 s) + activity hours
    assert enrollment.hours_earned == lesson.hours + Decimal("3.5")
    card = me.locator(".card", has_text=program.name)
    assert "已结业" in card.inner_text()
    assert f"获得 {enrollment.hours_earned} 学时" in card.inner_text()
    journey.shot(me, "learner-completed")

    # ---- 3. the scenario simulation: the map, step 1, a wrong answer then the right one ----
    me.locator(".card", has_text=simulation.name).locator("text=继续学习").click()
    me.wait_for_url(f"**/study/{simulation_place.pk}/")
    me.click(".part-card:has-text('情景模拟') a")
    me.wait_for_url(f"**/study/{simulation_place.pk}/simulation/")
    assert "已完成 0 / 25 步" in me.content()
    journey.shot(me, "simulation-map")
    me.click("text=继续第 1 步")
    options = SimulationOption.objects.filter(step__number=1)
    wrong, right = options.filter(is_correct=False).first(), options.get(is_correct=True)
    me.check(f"#option-{wrong.pk}")
    me.click("form button[type=submit] >> text=提交")
    me.wait_for_selector("text=还不对：")
    assert wrong.feedback in me.content()
    journey.shot(me, "simulation-wrong")
    me.check(f"#option-{right.pk}")
    me.click("form button[type=submit] >> text=提交")
    me.wait_for_selector("text=第 1 步已完成。")
    journey.shot(me, "simulation-right")
    me.click(".breadcrumb a:text-is('情景模拟')")
    me.wait_for_url(f"**/study/{simulation_place.pk}/simulation/")
    assert "已完成 1 / 25 步" in me.content()
    assert "继续第 2 步" in me.content()
    journey.shot(me, "simulation-advanced")
    assert StepProgress.objects.filter(enrollment=simulation_place).count() >= 1

    # ---- 4. the coordinator sees her completed on the cohort's progress page ----
    journey.go(coord, f"/cohorts/{cohort.pk}/")
    coord.click("text=学习进度")
    coord.wait_for_url(f"**/cohorts/{cohort.pk}/progress/")
    row = coord.locator("tbody tr", has_text="张学员")
    assert "已结业" in row.inner_text()
    assert str(enrollment.hours_earned) in row.inner_text()
    journey.shot(coord, "cohort-progress")
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.COMPLETED

    assert not journey.errors, journey.errors
    print(f"\njourney took {time.monotonic() - started:.1f} s")
