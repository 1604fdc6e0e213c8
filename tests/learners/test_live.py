"""Live sessions (同步直播): scheduling, attendance by hand and by import, and who sees what."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from learners.models import Attendance, AttendanceSource, EnrollmentStatus, Learner
from learners.services.live import (
    ERROR_NOT_ACADEMY,
    attendance_import,
    attendance_record,
    attendance_remove,
    live_session_create,
)
from portal import pii
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    LearnerFactory,
    LiveSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coord(world):
    return world.users["coord_ug"]


@pytest.fixture
def session(world):
    return LiveSessionFactory(cohort=world.study_cohort, speaker="王教授")


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(rows: list[list]) -> SimpleUploadedFile:
    return SimpleUploadedFile("attendance.xlsx", xlsx(rows))


# ---- sessions -------------------------------------------------------------------------------


def session_data(**changes):
    return {
        "title": "专家答疑：发展党员工作中的常见问题",
        "speaker": "王教授",
        "starts_at": timezone.now() + datetime.timedelta(days=3),
        "duration_minutes": 90,
        "link": "https://live.example.edu.cn/room/9",
        "hours": Decimal("1.5"),
        "is_theory": False,
        **changes,
    }


def test_the_academy_schedules_a_session_within_the_cohorts_dates(world, coord):
    created = live_session_create(cohort=world.study_cohort, by=coord, data=session_data())

    assert created.pk
    assert created.cohort == world.study_cohort


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": timezone.now() + datetime.timedelta(days=90)}, "学习时间内"),
        ({"link": "http://live.example.edu.cn/room/9"}, "直播链接"),
        ({"duration_minutes": 5}, "时长"),
    ],
)
def test_a_session_outside_the_rules_is_refused(world, coord, changes, message):
    with pytest.raises(ApplicationError, match=message):
        live_session_create(cohort=world.study_cohort, by=coord, data=session_data(**changes))

    assert not world.study_cohort.live_sessions.exists()


def test_only_the_academy_schedules_sessions(world):
    with pytest.raises(PermissionRefused):
        live_session_create(
            cohort=world.study_cohort, by=world.users["staff_a"], data=session_data()
        )


# ---- attendance by hand ---------------------------------------------------------------------


def test_recording_twice_adds_nothing(world, coord, session):
    first = attendance_record(session=session, enrollments=[world.enrollment_a], by=coord)
    second = attendance_record(session=session, enrollments=[world.enrollment_a], by=coord)

    assert (first, second) == (1, 0)
    record = Attendance.objects.get()
    assert (record.source, record.recorded_by) == (AttendanceSource.COORDINATOR, coord)


def test_a_place_of_another_cohort_is_refused_and_nothing_recorded(world, coord, session):
    stranger = EnrollmentFactory()

    with pytest.raises(ApplicationError, match="不在本期次"):
        attendance_record(session=session, enrollments=[world.enrollment_a, stranger], by=coord)
    with pytest.raises(ApplicationError, match="不在本期次"):  # an id no row can have
        attendance_record(session=session, enrollments=[world.enrollment_a, 10**25], by=coord)

    assert not Attendance.objects.exists()


@pytest.mark.parametrize("name", ["staff_a", "prov_bj", "learner_a"])
def test_only_the_academy_records_attendance(world, session, name):
    with pytest.raises(PermissionRefused, match=str(ERROR_NOT_ACADEMY)):
        attendance_record(session=session, enrollments=[world.enrollment_a], by=world.users[name])

    assert not Attendance.objects.exists()


def test_attendance_waits_for_the_session_to_start(world, coord):
    upcoming = LiveSessionFactory(
        cohort=world.study_cohort, starts_at=timezone.now() + datetime.timedelta(hours=2)
    )

    with pytest.raises(StateConflict, match="尚未开始"):
        attendance_record(session=upcoming, enrollments=[world.enrollment_a], by=coord)

    assert not Attendance.objects.exists()


def test_nothing_is_recorded_after_the_cohorts_end(coord):
    today = timezone.localdate()
    ended = CohortFactory(
        start_date=today - datetime.timedelta(days=40), end_date=today - datetime.timedelta(days=1)
    )
    place = EnrollmentFactory(cohort=ended)
    past = LiveSessionFactory(cohort=ended, starts_at=timezone.now() - datetime.timedelta(days=5))

    with pytest.raises(StateConflict, match="结束"):
        attendance_record(session=past, enrollments=[place], by=coord)

    assert not Attendance.objects.exists()


def test_attendance_completes_a_program_that_asks_for_live_sessions(world, coord, session):
    program = world.study_cohort.program
    program.min_live_sessions = 1
    program.save()

    attendance_record(session=session, enrollments=[world.enrollment_a], by=coord)

    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.COMPLETED
    assert world.enrollment_a.hours_earned == session.hours


def test_a_mistake_can_be_taken_back_but_not_from_a_completed_learner(world, coord, session):
    other = EnrollmentFactory(cohort=world.study_cohort)
    attendance_record(session=session, enrollments=[world.enrollment_a, other], by=coord)

    assert attendance_remove(session=session, enrollments=[other], by=coord) == 1

    world.enrollment_a.status = EnrollmentStatus.COMPLETED
    world.enrollment_a.completed_at = timezone.now()
    world.enrollment_a.hours_earned = world.enrollment_a.theory_hours_earned = Decimal("1")
    world.enrollment_a.save()
    with pytest.raises(StateConflict, match="已结业"):
        attendance_remove(session=session, enrollments=[world.enrollment_a], by=coord)
    assert Attendance.objects.filter(enrollment=world.enrollment_a).exists()


# ---- attendance by import -------------------------------------------------------------------


def test_an_import_records_every_row(world, coord, session):
    other = EnrollmentFactory(cohort=world.study_cohort)
    rows = [
        ["账号", "姓名"],
        [world.users["learner_a"].username, world.users["learner_a"].full_name],
        [other.learner.username, ""],
    ]

    result = attendance_import(session=session, file=upload(rows), by=coord)

    assert result.ok
    assert (result.added, result.matched) == (2, 2)
    assert set(Attendance.objects.values_list("source", flat=True)) == {AttendanceSource.IMPORT}


def test_importing_twice_adds_nothing(world, coord, session):
    rows = [["账号"], [world.users["learner_a"].username]]
    attendance_import(session=session, file=upload(rows), by=coord)

    again = attendance_import(session=session, file=upload(rows), by=coord)

    assert again.ok
    assert again.added == 0
    assert Attendance.objects.count() == 1


def test_a_learner_is_found_by_her_id_number(world, coord, session):
    number = "11010519491231002X"
    Learner.objects.create(
        user=world.users["learner_a"],
        name=world.users["learner_a"].full_name,
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=world.school_a,
    )

    result = attendance_import(
        session=session, file=upload([["身份证号", "姓名"], [number.lower(), ""]]), by=coord
    )

    assert result.ok
    assert result.added == 1


def test_one_bad_row_records_nothing_and_names_row_and_column(world, coord, session):
    stranger = LearnerFactory()
    rows = [
        ["账号", "姓名"],
        [world.users["learner_a"].username, ""],
        [stranger.username, stranger.full_name],
        [world.users["learner_a"].username, "别人的名字"],
        ["", ""],
        ["", "只有姓名"],
    ]

    result = attendance_import(session=session, file=upload(rows), by=coord)

    assert not result.ok
    assert [str(e) for e in result.errors] == [
        "第3行「账号」：该学员不在本期次中。",
        f"第4行「姓名」：与该学员的姓名「{world.users['learner_a'].full_name}」不一致。",
        "第6行「账号」：账号和身份证号至少填写一项。",
    ]
    assert not Attendance.objects.exists()


def test_a_bad_id_number_is_named(world, coord, session):
    result = attendance_import(
        session=session, file=upload([["身份证号"], ["110105194912310021"]]), by=coord
    )

    assert [str(e) for e in result.errors] == ["第2行「身份证号」：身份证号校验位错误。"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空"),
        (b"name,username\n", ".xlsx"),
        (b"PK\x03\x04 not really a zip", "损坏"),
        (xlsx([["学员", "备注"], ["某人", ""]]), "「账号」或「身份证号」"),
        (xlsx([["账号", "姓名"]]), "没有人员"),
    ],
)
def test_an_unreadable_file_is_a_sentence(world, coord, session, data, message):
    with pytest.raises(ApplicationError, match=message):
        attendance_import(session=session, file=SimpleUploadedFile("a.xlsx", data), by=coord)

    assert not Attendance.objects.exists()


def test_a_file_over_the_limit_is_refused(world, coord, session, monkeypatch):
    from learners.services import live

    monkeypatch.setattr(live, "MAX_IMPORT_BYTES", 100)

    with pytest.raises(ApplicationError, match="文件超过"):
        attendance_import(session=session, file=upload([["账号"], ["x"]]), by=coord)


# ---- pages ----------------------------------------------------------------------------------


def test_her_page_shows_the_sessions_her_attendance_and_the_link(client_for, world, coord, session):
    attendance_record(session=session, enrollments=[world.enrollment_a], by=coord)
    LiveSessionFactory(
        cohort=world.study_cohort,
        title="即将开始的直播",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        link="https://live.example.edu.cn/room/next",
    )

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:live", args=[world.enrollment_a.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert session.title in page
    assert "王教授" in page
    assert "https://live.example.edu.cn/room/next" in page
    assert "已出席 1 / 2 场" in page


@pytest.mark.parametrize("name", ["learner_b", "staff_a", "prov_bj", "coord_ug"])
def test_the_link_is_hidden_from_non_members(client_for, world, session, name):
    user = LearnerFactory() if name == "learner_b" else world.users[name]

    response = client_for(user).get(reverse("learners:live", args=[world.enrollment_a.pk]))

    assert response.status_code == 404
    assert session.link not in response.content.decode()


def test_her_page_costs_the_same_whatever_the_sessions(
    client_for, world, coord, django_assert_max_num_queries
):
    client = client_for(world.users["learner_a"])
    url = reverse("learners:live", args=[world.enrollment_a.pk])
    LiveSessionFactory(cohort=world.study_cohort)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(10):
        attendance_record(
            session=LiveSessionFactory(cohort=world.study_cohort),
            enrollments=[world.enrollment_a],
            by=coord,
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("name", ["learner_a", "staff_a", "prov_bj"])
def test_only_the_academy_reaches_the_coordinator_pages(client_for, world, session, name):
    client = client_for(world.users[name])
    cohort_url = reverse("learners:cohort-live", args=[world.study_cohort.pk])
    sheet_url = reverse("learners:cohort-live-session", args=[world.study_cohort.pk, session.pk])

    assert client.get(cohort_url).status_code in (403, 404)
    assert client.get(sheet_url).status_code in (403, 404)
    posted = client.post(
        sheet_url, {"shown": [world.enrollment_a.pk], "present": [world.enrollment_a.pk]}
    )
    assert posted.status_code in (403, 404)
    assert not Attendance.objects.exists()


def test_a_session_of_another_cohort_is_not_found_under_this_one(client_for, world, coord):
    elsewhere = LiveSessionFactory()

    response = client_for(coord).get(
        reverse("learners:cohort-live-session", args=[world.study_cohort.pk, elsewhere.pk])
    )

    assert response.status_code == 404


def test_the_coordinator_schedules_a_session_on_the_page(client_for, world, coord):
    starts = timezone.localtime() + datetime.timedelta(days=2)
    form = {
        "title": "直播：党支部工作条例解读",
        "speaker": "李老师",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 90,
        "link": "https://live.example.edu.cn/room/3",
        "hours": "1.5",
    }

    response = client_for(coord).post(
        reverse("learners:cohort-live", args=[world.study_cohort.pk]), form
    )

    assert response.status_code == 302
    assert world.study_cohort.live_sessions.get().title == "直播：党支部工作条例解读"


def test_a_session_outside_the_dates_is_shown_on_the_form(client_for, world, coord):
    starts = timezone.localtime() + datetime.timedelta(days=200)
    form = {
        "title": "太晚的直播",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 90,
        "link": "https://live.example.edu.cn/room/3",
        "hours": "1.5",
    }

    response = client_for(coord).post(
        reverse("learners:cohort-live", args=[world.study_cohort.pk]), form
    )

    assert response.status_code == 400
    assert "学习时间内" in response.content.decode()
    assert not world.study_cohort.live_sessions.exists()


def test_the_sheet_saves_ticks_and_unticks(client_for, world, coord, session):
    other = EnrollmentFactory(cohort=world.study_cohort)
    client = client_for(coord)
    url = reverse("learners:cohort-live-session", args=[world.study_cohort.pk, session.pk])
    shown = [world.enrollment_a.pk, other.pk]

    client.post(url, {"action": "save", "shown": shown, "present": shown})
    assert Attendance.objects.count() == 2
    client.post(url, {"action": "save", "shown": shown, "present": [world.enrollment_a.pk]})

    assert list(Attendance.objects.values_list("enrollment", flat=True)) == [world.enrollment_a.pk]


def test_the_sheet_shows_import_errors_and_records_nothing(client_for, world, coord, session):
    url = reverse("learners:cohort-live-session", args=[world.study_cohort.pk, session.pk])
    rows = [["账号"], [world.users["learner_a"].username], ["nobody-here"]]

    response = client_for(coord).post(
        url, {"action": "import", "file": upload(rows)}, format="multipart"
    )

    assert response.status_code == 400
    assert "第3行「账号」：该学员不在本期次中。" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_sheet_costs_the_same_whatever_the_cohorts_size(
    client_for, world, coord, session, django_assert_max_num_queries
):
    client = client_for(coord)
    url = reverse("learners:cohort-live-session", args=[world.study_cohort.pk, session.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    places = [EnrollmentFactory(cohort=world.study_cohort) for _ in range(12)]
    attendance_record(session=session, enrollments=places, by=coord)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('name="present"') == 13


def test_the_sheet_searches_by_name(client_for, world, coord, session):
    other = EnrollmentFactory(cohort=world.study_cohort)
    url = reverse("learners:cohort-live-session", args=[world.study_cohort.pk, session.pk])

    response = client_for(coord).get(url, {"q": other.learner.full_name})

    page = response.content.decode()
    assert other.learner.username in page
    assert world.users["learner_a"].username not in page


def test_the_admin_refuses_a_session_outside_the_cohorts_dates(client_for, world, session):
    url = reverse("admin:courses_livesession_change", args=[session.pk])
    late = timezone.localtime() + datetime.timedelta(days=200)
    form = {
        "title": session.title,
        "speaker": session.speaker,
        "starts_at_0": late.strftime("%Y-%m-%d"),
        "starts_at_1": late.strftime("%H:%M:%S"),
        "duration_minutes": 90,
        "link": session.link,
        "hours": "1.5",
    }

    response = client_for(world.users["coord_ug"]).post(url, form)

    assert response.status_code == 200
    assert "学习时间内" in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at < timezone.now()
