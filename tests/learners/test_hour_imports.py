"""Hours from elsewhere (学时互认): the academy imports other platforms' completion records from a
spreadsheet, every row or none, the same record counted once however often it comes; a person's
school (or the academy) enters her off-job training; the academy removes a wrong entry, never one
of this portal."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learners.models import HourEntry, HourSource, Learner
from learners.services.hours import (
    HOUR_IMPORT_HEADERS,
    hour_entries_import,
    hour_entry_off_job_add,
    hour_entry_remove,
    hour_import_template_xlsx,
)
from portal import pii
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.factories import EnrollmentFactory, LearnerFactory, StaffFactory


def id_number(serial: int) -> str:
    first17 = f"110105198001{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + pii.check_digit(first17)


def make_person(school, serial: int, name: str = "张三") -> Learner:
    """A person record (the roster makes it; here it is written directly)."""
    number = id_number(serial)
    return Learner.objects.create(
        user=LearnerFactory(institution=school),
        name=name,
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=school,
    )


TODAY = timezone.localdate()
LAST_MONTH = TODAY - datetime.timedelta(days=30)


def period_totals(person: Learner) -> tuple[Decimal, Decimal]:
    """Her plan-period totals as stored for the dashboards."""
    person.refresh_from_db()
    return person.period_hours, person.period_theory_hours


def row(
    serial=1, name="张三", title="网络专题培训", on=LAST_MONTH, hours=8, theory=6, platform="甲平台"
):
    return [id_number(serial), name, title, on, hours, theory, platform]


def xlsx(rows, headers=HOUR_IMPORT_HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for cells in rows:
        sheet.append(list(cells))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


@pytest.fixture
def zhang(world):
    return make_person(world.school_a, 1, "张三")


@pytest.fixture
def li(world):
    return make_person(world.school_b, 2, "李四")


# ---- the import ----


def test_a_good_file_records_every_row_as_a_recognised_entry(coordinator, zhang, li):
    result = hour_entries_import(
        file=xlsx([row(1), row(2, "李四", hours="2.5", theory=""), row(1, title="第二期")]),
        by=coordinator,
    )

    assert result.ok
    assert (result.added, result.skipped, result.repeated) == (3, 0, 0)
    entries = HourEntry.objects.order_by("id")
    assert [(e.learner, e.title, e.hours, e.theory_hours) for e in entries] == [
        (zhang, "网络专题培训", Decimal("8.0"), Decimal("6.0")),
        (li, "网络专题培训", Decimal("2.5"), Decimal("0.0")),
        (zhang, "第二期", Decimal("8.0"), Decimal("6.0")),
    ]
    first = entries[0]
    assert first.source == HourSource.RECOGNISED
    assert first.enrollment is None
    assert (first.platform, first.completed_on, first.recorded_by) == (
        "甲平台",
        LAST_MONTH,
        coordinator,
    )
    assert len(first.record_key) == 64
    event = AuditEvent.objects.get(action="hours.import")
    assert event.details == {"added": 3, "skipped": 0, "repeated": 0}
    assert period_totals(zhang) == (Decimal("16"), Decimal("12"))  # what the dashboards read
    assert period_totals(li) == (Decimal("2.5"), Decimal("0"))


def test_a_date_may_be_written_as_text_and_the_name_column_left_out(coordinator, zhang):
    headers = ["身份证号", "培训项目", "完成日期", "学时", "学习平台"]
    data = xlsx([[id_number(1), "专题", "2025-06-30", "4", "乙平台"]], headers=headers)
    if datetime.date(2025, 6, 30) < TODAY - datetime.timedelta(days=2000):
        pytest.skip("the example date has left the model's window")

    result = hour_entries_import(file=data, by=coordinator)

    assert result.added == 1
    assert HourEntry.objects.get().completed_on == datetime.date(2025, 6, 30)


def test_the_same_record_imported_twice_is_counted_once(coordinator, zhang):
    data = xlsx([row(1), row(1), row(1, title="另一项")])

    first = hour_entries_import(file=data, by=coordinator)
    second = hour_entries_import(file=data, by=coordinator)

    assert (first.added, first.skipped, first.repeated) == (2, 0, 1)
    assert (second.added, second.skipped, second.repeated) == (0, 3, 0)  # every row already in
    assert HourEntry.objects.count() == 2
    assert period_totals(zhang) == (Decimal("16"), Decimal("12"))
    assert AuditEvent.objects.filter(action="hours.import").count() == 2


def test_spacing_in_a_title_does_not_make_a_new_record(coordinator, zhang):
    hour_entries_import(file=xlsx([row(1, title="网络 专题")]), by=coordinator)
    again = hour_entries_import(
        file=xlsx([row(1, title=" 网络  专题 ", hours=8.0)]), by=coordinator
    )

    assert again.skipped == 1
    assert HourEntry.objects.count() == 1


BAD_ROWS = [
    (row(1, title=""), "培训项目", None),
    (row(1, on="2025/6/30"), "完成日期", "请填写日期"),
    (row(1, on=""), "完成日期", "不能为空"),
    (row(1, on=TODAY + datetime.timedelta(days=1)), "完成日期", None),
    (row(1, on=TODAY - datetime.timedelta(days=2100)), "完成日期", None),
    (row(1, hours="八"), "学时", "请填写数字"),
    (row(1, hours=0), "学时", None),
    (row(1, hours=501), "学时", None),
    (row(1, hours="2.25"), "学时", None),
    (row(1, theory=9), "理论学时", "理论学时不能超过总学时"),
    (row(1, theory="多"), "理论学时", "请填写数字"),
    (row(1, platform=""), "学习平台", "不能为空"),
    (row(1, platform="平" * 101), "学习平台", None),
    (row(1, title="题" * 121), "培训项目", None),
    (row(1, name="王五"), "姓名", "张三"),
    ([id_number(1)[:-1] + "0", *row(1)[1:]], "身份证号", "校验位错误"),
    ([110105198001021234, *row(1)[1:]], "身份证号", "文本格式"),
]


@pytest.mark.parametrize(("cells", "header", "words"), BAD_ROWS)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(
    coordinator, zhang, cells, header, words
):
    result = hour_entries_import(file=xlsx([row(1, title="好的一行"), cells]), by=coordinator)

    assert not result.ok
    assert result.added == 0
    assert [(e.row_number, e.header) for e in result.errors] == [(3, header)]
    message = str(result.errors[0])
    assert message.startswith(f"第3行「{header}」：")
    if words:
        assert words in message
    assert not HourEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="hours.import").exists()


def test_every_problem_is_reported_at_once_in_row_order(coordinator, zhang):
    result = hour_entries_import(
        file=xlsx([row(1, hours="x", platform=""), row(1), row(9), row(1, theory=20)]),
        by=coordinator,
    )

    assert [(e.row_number, e.header) for e in result.errors] == [
        (2, "学时"),
        (2, "学习平台"),
        (4, "身份证号"),
        (5, "理论学时"),
    ]
    assert not HourEntry.objects.exists()


def test_an_unknown_person_is_named_by_her_masked_number_never_the_full_one(coordinator, zhang):
    result = hour_entries_import(file=xlsx([row(7)]), by=coordinator)

    message = str(result.errors[0])
    assert pii.mask_id_number(id_number(7)) in message
    assert id_number(7) not in message
    assert id_number(7)[6:14] not in message  # her birth date


FILE_PROBLEMS = [
    (b"", "文件为空"),
    (b"not a spreadsheet", ".xlsx"),
    (b"PK\x03\x04 broken zip", "文件"),
    (xlsx([], headers=["身份证号", "姓名"]), "培训项目"),
    (xlsx([]), "没有学时记录"),
]


@pytest.mark.parametrize(("data", "words"), FILE_PROBLEMS)
def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(coordinator, data, words):
    with pytest.raises(ApplicationError) as refused:
        hour_entries_import(file=data, by=coordinator)

    assert words in refused.value.message
    assert not HourEntry.objects.exists()


def test_a_file_over_the_limits_is_refused(coordinator, zhang, monkeypatch):
    from learners.services import hours

    with pytest.raises(ApplicationError, match="2 MB"):
        hour_entries_import(file=b"PK" + b"0" * (2 * 1024 * 1024), by=coordinator)
    monkeypatch.setattr(hours, "HOUR_IMPORT_MAX_ROWS", 3)
    with pytest.raises(ApplicationError, match="超过 3 行"):
        hour_entries_import(file=xlsx([row(1, title=str(n)) for n in range(4)]), by=coordinator)


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_only_the_academy_imports(world, role, zhang):
    with pytest.raises(PermissionRefused):
        hour_entries_import(file=xlsx([row(1)]), by=world.users[role])


def test_the_import_costs_a_fixed_number_of_queries(
    world, coordinator, django_assert_max_num_queries
):
    people = [make_person(world.school_a, n, f"学员{n}") for n in range(1, 41)]
    small = xlsx([row(n, f"学员{n}") for n in range(1, 3)])
    large = xlsx([row(p_n, f"学员{p_n}", title=f"第{k}期") for p_n in range(1, 41) for k in (1, 2)])

    with django_assert_max_num_queries(8) as small_run:
        hour_entries_import(file=small, by=coordinator)
    with django_assert_max_num_queries(8) as large_run:
        result = hour_entries_import(file=large, by=coordinator)

    assert result.added == 80
    assert len(people) == 40
    assert len(large_run.captured_queries) == len(small_run.captured_queries)


def test_the_template_has_the_header_and_an_example_row():
    sheet = openpyxl.load_workbook(io.BytesIO(hour_import_template_xlsx())).active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0] == HOUR_IMPORT_HEADERS
    assert rows[1][0] == "11010519491231002X"
    assert rows[1][4] == 8


# ---- off-job training ----


def off_job(person, by, **changes):
    values = {
        "title": "县委组织部基层党组织书记示范培训班",
        "organiser": "某县委组织部",
        "completed_on": LAST_MONTH,
        "hours": Decimal("40"),
        "theory_hours": Decimal("24"),
        **changes,
    }
    return hour_entry_off_job_add(learner=person, by=by, **values)


@pytest.mark.parametrize("role", ["staff_a", "coord_ug", "coord_voc", "admin"])
def test_her_school_or_the_academy_enters_off_job_training(world, zhang, role):
    entry = off_job(zhang, world.users[role])

    assert (entry.source, entry.platform, entry.hours) == (
        HourSource.OFF_JOB,
        "某县委组织部",
        Decimal("40"),
    )
    assert entry.record_key
    assert entry.recorded_by == world.users[role]
    assert AuditEvent.objects.filter(action="hours.off_job_add").count() == 1


@pytest.mark.parametrize("role", ["staff_b", "prov_bj", "learner_a"])
def test_no_one_else_enters_off_job_training(world, zhang, role):
    with pytest.raises(PermissionRefused):
        off_job(zhang, world.users[role])
    assert not HourEntry.objects.exists()


def test_the_school_that_enrolled_her_once_but_is_no_longer_hers_cannot(world, zhang):
    EnrollmentFactory(learner=zhang.user, institution=world.school_b)

    with pytest.raises(PermissionRefused):
        off_job(zhang, world.users["staff_b"])


def test_the_same_off_job_entry_twice_is_refused_with_a_sentence(world, zhang):
    off_job(zhang, world.users["staff_a"])

    with pytest.raises(StateConflict, match="无需重复登记"):
        off_job(zhang, world.users["staff_a"], title=" 县委组织部基层党组织书记示范培训班 ")
    assert HourEntry.objects.count() == 1
    off_job(zhang, world.users["staff_a"], completed_on=LAST_MONTH - datetime.timedelta(days=1))
    assert HourEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"theory_hours": Decimal("41")}, "__all__"),
        ({"hours": Decimal("0")}, "hours"),
        ({"completed_on": TODAY + datetime.timedelta(days=1)}, "completed_on"),
        ({"title": ""}, "title"),
        ({"organiser": "  "}, "platform"),
    ],
)
def test_an_off_job_entry_keeps_the_models_rules(world, zhang, changes, field):
    with pytest.raises(ApplicationError) as refused:
        off_job(zhang, world.users["staff_a"], **changes)

    assert field in refused.value.fields
    assert not HourEntry.objects.exists()


def test_the_academy_removes_a_wrong_entry_with_an_audit(world, zhang):
    entry = off_job(zhang, world.users["staff_a"])
    assert period_totals(zhang) == (Decimal("40"), Decimal("24"))

    hour_entry_remove(entry=entry, by=world.users["coord_ug"])

    assert not HourEntry.objects.exists()
    assert period_totals(zhang) == (Decimal("0"), Decimal("0"))
    event = AuditEvent.objects.get(action="hours.remove")
    assert event.details["hours"] == "40.0"
    assert event.details["source"] == HourSource.OFF_JOB
    with pytest.raises(StateConflict):
        hour_entry_remove(entry=entry, by=world.users["coord_ug"])  # a second click


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_only_the_academy_removes_an_entry(world, zhang, role):
    entry = off_job(zhang, world.users["coord_ug"])

    with pytest.raises(PermissionRefused):
        hour_entry_remove(entry=entry, by=world.users[role])
    assert HourEntry.objects.count() == 1


def test_an_entry_of_this_portal_is_never_removed(world, zhang):
    enrollment = EnrollmentFactory(learner=zhang.user, institution=world.school_a)
    entry = HourEntry.objects.create(
        learner=zhang,
        source=HourSource.PORTAL,
        enrollment=enrollment,
        title="本平台培训",
        completed_on=LAST_MONTH,
        hours=Decimal("6"),
    )

    with pytest.raises(StateConflict, match="结业"):
        hour_entry_remove(entry=entry, by=world.users["admin"])
    assert HourEntry.objects.filter(pk=entry.pk).exists()


# ---- pages ----


def upload(client, data: bytes):
    return client.post(
        reverse("learners:hour-import"),
        {"file": SimpleUploadedFile("hours.xlsx", data)},
    )


def test_the_coordinator_imports_through_the_page(world, client_for, zhang):
    client = client_for(world.users["coord_ug"])

    assert client.get(reverse("learners:hour-import")).status_code == 200
    response = upload(client, xlsx([row(1)]))
    assert response.status_code == 302
    page = client.get(response.url)
    assert "已导入 1 条学时记录" in page.content.decode()

    again = client.get(upload(client, xlsx([row(1)])).url).content.decode()
    assert "已导入 0 条学时记录；1 条此前已导入" in again
    assert HourEntry.objects.count() == 1


def test_the_page_lists_every_row_error_and_writes_nothing(world, client_for, zhang):
    client = client_for(world.users["coord_ug"])

    response = upload(client, xlsx([row(1, hours="x"), row(8)]))

    assert response.status_code == 400
    text = response.content.decode()
    assert "第2行「学时」" in text
    assert "第3行「身份证号」" in text
    assert id_number(8) not in text
    assert not HourEntry.objects.exists()


def test_the_page_shows_a_file_problem_on_the_form(world, client_for):
    response = upload(client_for(world.users["coord_ug"]), b"plain text")

    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


def test_the_template_downloads(world, client_for):
    response = client_for(world.users["coord_voc"]).get(reverse("learners:hour-import-template"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.parametrize("role", ["staff_a", "staff_b", "prov_bj", "learner_a"])
def test_the_import_pages_are_the_academys(world, client_for, role):
    client = client_for(world.users[role])

    assert client.get(reverse("learners:hour-import")).status_code == 403
    assert upload(client, xlsx([row(1)])).status_code == 403
    assert client.get(reverse("learners:hour-import-template")).status_code == 403


def test_the_import_pages_ask_a_stranger_to_sign_in(world, client_for):
    client = client_for(world.users["anonymous"])

    for name in ("learners:hour-import", "learners:hour-import-template"):
        assert "/login" in client.get(reverse(name)).url


def off_job_post(client, person, **changes):
    data = {
        "title": "市委组织部书记培训班",
        "platform": "某市委组织部",
        "completed_on": LAST_MONTH.isoformat(),
        "hours": "40",
        "theory_hours": "20",
        **changes,
    }
    return client.post(reverse("learners:off-job-add", args=[person.pk]), data)


def test_her_school_enters_off_job_training_through_the_page(world, client_for, zhang):
    client = client_for(world.users["staff_a"])

    assert client.get(reverse("learners:off-job-add", args=[zhang.pk])).status_code == 200
    response = off_job_post(client, zhang)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "市委组织部书记培训班" in page
    assert "已为 张三 登记脱产培训 40 学时" in page

    twice = off_job_post(client, zhang)
    assert twice.status_code == 400
    assert "无需重复登记" in twice.content.decode()
    assert HourEntry.objects.count() == 1


def test_the_off_job_form_shows_the_models_refusal(world, client_for, zhang):
    response = off_job_post(client_for(world.users["staff_a"]), zhang, theory_hours="50")

    assert response.status_code == 400
    assert "理论学时不能超过总学时" in response.content.decode()
    assert not HourEntry.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff_a", 200),
        ("coord_ug", 200),
        ("coord_voc", 200),
        ("admin", 200),
        ("prov_bj", 403),  # sees her, may not enter her hours
        ("staff_b", 404),  # another school
        ("learner_a", 404),
    ],
)
def test_who_reaches_the_off_job_form(world, client_for, zhang, role, status):
    client = client_for(world.users[role])

    assert client.get(reverse("learners:off-job-add", args=[zhang.pk])).status_code == status
    posted = off_job_post(client, zhang)
    assert posted.status_code == (302 if status == 200 else status)


def test_a_school_that_enrolled_her_once_sees_but_may_not_enter(world, client_for, zhang):
    EnrollmentFactory(learner=zhang.user, institution=world.school_b)
    other = StaffFactory(institution=world.school_b)

    assert off_job_post(client_for(other), zhang).status_code == 403
    assert not HourEntry.objects.exists()


def test_a_person_that_does_not_exist_is_not_found(world, client_for):
    client = client_for(world.users["coord_ug"])

    assert client.get(reverse("learners:off-job-add", args=[999999])).status_code == 404
