"""One rule, four doors: what a receipt's value may be is refused alike by the page, the API, the
admin (receipts are read-only there) and the service, with the same sentence."""

import re

import pytest
from django.urls import reverse

from enrollment.models import Receipt
from portal.validators import normalise_taxpayer_id
from tests.receipts import RECEIPT_DATA, receipt_form

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    ("leader_mobile", "abc", "请输入 11 位手机号码。"),
    ("liaison_mobile", "1380013800\n", "请输入 11 位手机号码。"),
    ("postcode", "ABCDEF", "邮编应为 6 位数字。"),
    ("taxpayer_id", "zzzzzzzzzzzzzzzzzz", "统一社会信用代码应为 18 位数字或大写字母。"),
    ("taxpayer_id", "12100000400000624E", "统一社会信用代码校验位错误，请核对。"),
    ("liaison_phone", "call me", "请输入有效的电话号码，如 010-62750000。"),
    ("preferred_start_date", "9999-12-01", "日期须在"),
    ("preferred_start_date", "2020-03-01", "日期须在"),
    ("filled_on", "1999-01-01", "日期须在"),
    ("liaison_name", "吴\x07敏", "不能包含控制字符"),
    ("liaison_name", "吴\x1b[31m敏", "不能包含控制字符"),
    ("postal_address", "北京\u202e市", "不能包含控制字符"),
    ("suggestions", "建议\x00", "不允许是用空字符串"),  # Django's and DRF's own word for NUL
    ("suggestions", "字" * 1_000_000, "2000"),
    ("study_length_days", 2147483648, "确保该值小于或等于62。"),
]


def api_body(school, **changes):
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in RECEIPT_DATA.items()}
    lines = [{"program": "party-affairs-staff", "participants": 2}]
    return {**data, "institution": school.pk, "lines": lines, **changes}


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_the_page_and_the_api_refuse_the_same_value_with_the_same_sentence(
    world, client_for, field, value, message
):
    client = client_for(world.users["staff_a"])
    before = Receipt.objects.count()

    page = client.post(reverse("enrollment:receipt-create"), receipt_form(**{field: value}))
    api = client.post(
        "/api/v1/receipts/",
        api_body(world.school_a, **{field: value}),
        content_type="application/json",
    )

    assert page.status_code == 200
    assert message in page.content.decode()
    assert api.status_code in (400, 422), api.json()
    said = api.json()["fields"][field]
    assert message in " ".join(said)
    assert len(said) == len(set(said))  # each problem once
    assert Receipt.objects.count() == before


def test_a_schema_breaking_value_is_a_400_and_a_rule_beyond_the_schema_a_422(world, client_for):
    client = client_for(world.users["staff_a"])

    def post(**changes):
        return client.post(
            "/api/v1/receipts/",
            api_body(world.school_a, **changes),
            content_type="application/json",
        )

    assert post(leader_mobile="abc").status_code == 400  # the pattern in the schema
    assert post(taxpayer_id="12100000400000624E").status_code == 422  # the check character
    assert post(preferred_start_date="2020-03-01").status_code == 422  # near today
    assert post(institution=world.school_b.pk).status_code == 403  # another school's
    assert post(institution=10**12).status_code == 422  # no such school
    unknown = post(lines=[{"program": "no-such-program", "participants": 2}])
    assert unknown.status_code == 422
    assert unknown.json()["fields"]["lines.0.program"]


def test_a_headcount_past_any_column_is_refused_not_a_500(world, client_for):
    client = client_for(world.users["staff_a"])

    for participants in (2147483648, 10**19, 10**30):
        response = client.post(
            "/api/v1/receipts/",
            api_body(
                world.school_a,
                lines=[{"program": "party-affairs-staff", "participants": participants}],
            ),
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["fields"]["lines.0.participants"] == ["确保该值小于或等于20000。"]
    page = client.post(
        reverse("enrollment:receipt-create"), receipt_form(**{"program_1": "99999999999999999999"})
    )
    assert page.status_code in (200, 302)
    assert (
        not Receipt.objects.filter(created_by=world.users["staff_a"])
        .exclude(pk=world.receipt_a.pk)
        .exists()
    )


def test_a_credit_code_typed_with_spaces_or_small_letters_is_stored_as_printed(world, client_for):
    client = client_for(world.users["staff_a"])

    response = client.post(
        reverse("enrollment:receipt-create"), receipt_form(taxpayer_id=" 12100000400000624d ")
    )

    assert response.status_code == 302
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    assert receipt.taxpayer_id == "12100000400000624D"
    assert normalise_taxpayer_id("1210-0000-4000-0062-4d") == "12100000400000624D"


def test_a_cohort_whose_end_precedes_its_start_is_told_so_in_a_sentence(world, client_for):
    page = client_for(world.users["coord_ug"]).post(
        reverse("courses:cohort-create"),
        {
            "program": world.cohort.program_id,
            "name": "倒序的期次",
            "start_date": "2026-12-10",
            "end_date": "2026-12-01",
            "capacity": 10,
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "结束日期不能早于开始日期。" in html
    assert "cohort_end_after_start" not in html
    assert not re.search(r"约束.*是无效的", html)


def test_a_cohort_in_year_9999_is_refused_on_the_page_and_in_the_api(world, client_for):
    client = client_for(world.users["coord_ug"])
    data = {
        "program": "activists",
        "name": "远期",
        "start_date": "9999-12-01",
        "end_date": "9999-12-31",
        "capacity": 10,
    }

    api = client.post("/api/v1/cohorts/", data, content_type="application/json")
    page = client.post(
        reverse("courses:cohort-create"), {**data, "program": world.cohort.program_id}
    )

    assert api.status_code == 422
    assert "日期须在" in api.json()["fields"]["start_date"][0]
    assert page.status_code == 200
    assert "日期须在" in page.content.decode()


def test_a_review_comment_the_rules_refuse_stops_the_review_and_says_why(world, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("enrollment:receipt-transition", args=[world.receipt_a.pk, "approve"])

    for comment in ("字" * 2001, "同意\x1b[31m"):
        response = client.post(url, {"comment": comment}, follow=True)
        page = response.content.decode()
        assert "2000" in page or "不能包含控制字符" in page

    world.receipt_a.refresh_from_db()
    assert world.receipt_a.status == "submitted"
    assert not world.receipt_a.transitions.filter(to_status="approved").exists()
