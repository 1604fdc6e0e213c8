"""Hostile input, generated (hypothesis): strings with control characters, bidirectional overrides,
emoji and formula prefixes; dates from year 1 to 9999; numbers past every column's range. Fed
through the services, the API, the pages and a roster file, each must be accepted or refused with
a sentence, never answer 500, and never leave anything half-written."""

import datetime
import io
import os

import openpyxl
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from courses.models import Cohort, Program
from courses.services import cohort_create
from enrollment import exports
from enrollment.models import Receipt, ReceiptLine, RosterEntry
from enrollment.rosters import COLUMNS
from enrollment.services import RECEIPT_FIELDS, LineRequest, receipt_create, roster_import
from portal.errors import ApplicationError
from tests.enrollment.roster_files import line, person, xlsx_bytes
from tests.receipts import RECEIPT_DATA, draft_receipt, receipt_form

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = ["\x07", "\x1b[31m", "\u202e", "\x00", "名\n", '=HYPERLINK("x")', "\ufeff", "\u2028"]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda a, bad, b: a + bad + b,
        st.text(max_size=20),
        st.sampled_from(HOSTILE),
        st.text(max_size=20),
    ),
    st.text(min_size=1000, max_size=3000),
)
any_date = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31))
any_number = st.integers(min_value=-(2**70), max_value=2**70)
json_value = st.one_of(
    st.none(),
    st.booleans(),
    any_number,
    st.floats(),
    hostile_text,
    st.lists(st.integers(), max_size=3),
)

NOT_TEXT = ("preferred_start_date", "filled_on", "study_length_days")
TEXT_FIELDS = [name for name in RECEIPT_FIELDS if name not in NOT_TEXT]
receipt_changes = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(TEXT_FIELDS, hostile_text),
        "preferred_start_date": any_date,
        "filled_on": any_date,
        "study_length_days": any_number,
    },
)


def attempt(call):
    """(what ``call`` returned, None), or (None, the ApplicationError it refused with)."""
    try:
        return call(), None
    except ApplicationError as error:
        return None, error


def counts():
    return (
        Receipt.objects.count(),
        ReceiptLine.objects.count(),
        RosterEntry.objects.count(),
        Cohort.objects.count(),
    )


@PROPERTY
@given(changes=receipt_changes, participants=any_number)
@example(changes={"preferred_start_date": datetime.date(9999, 12, 1)}, participants=5)
@example(changes={"suggestions": "字" * 1_000_000}, participants=5)
@example(changes={}, participants=2**31)
def test_the_receipt_service_accepts_or_refuses_with_a_sentence(world, changes, participants):
    before = counts()
    program = Program.objects.get(code="activists")
    receipt, error = attempt(
        lambda: receipt_create(
            institution=world.school_a,
            by=world.users["staff_a"],
            data={**RECEIPT_DATA, **changes},
            lines=[LineRequest(program, participants)],
        )
    )
    if error:
        assert error.message
        assert counts() == before
    else:
        receipt.full_clean()  # what was stored keeps every rule of the model


@PROPERTY
@given(
    name=hostile_text,
    start=any_date,
    days=st.integers(min_value=-(10**6), max_value=10**6),
    capacity=any_number,
)
def test_the_cohort_service_accepts_or_refuses_with_a_sentence(world, name, start, days, capacity):
    before = counts()
    try:
        end = start + datetime.timedelta(days=days)
    except OverflowError:
        end = start
    cohort, error = attempt(
        lambda: cohort_create(
            program=Program.objects.get(code="double-creation-workshop"),
            name=name,
            start_date=start,
            end_date=end,
            capacity=capacity,
            coordinator=None,
            by=world.users["coord_ug"],
        )
    )
    if error:
        assert error.message
        assert counts() == before
    else:
        cohort.full_clean()


@PROPERTY
@given(
    payload=st.dictionaries(
        st.sampled_from([*RECEIPT_FIELDS, "institution", "lines"]),
        json_value,
    )
)
def test_the_receipt_api_never_fails_on_any_json(world, client_for, payload):
    client = client_for(world.users["staff_a"])
    before = counts()
    body = {
        **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in RECEIPT_DATA.items()},
        "institution": world.school_a.pk,
        "lines": [{"program": "activists", "participants": 3}],
        **payload,
    }

    response = client.post("/api/v1/receipts/", body, content_type="application/json")

    assert response.status_code in (201, 400, 403, 409, 422), response.content[:500]
    assert response.json()["detail" if response.status_code != 201 else "id"]
    if response.status_code != 201:
        assert counts() == before


@PROPERTY
@given(
    changes=st.dictionaries(
        st.sampled_from(RECEIPT_FIELDS),
        hostile_text,
    )
)
def test_the_receipt_page_shows_a_form_error_or_saves(world, client_for, changes):
    client = client_for(world.users["staff_a"])
    before = counts()

    response = client.post(reverse("enrollment:receipt-create"), receipt_form(**changes))

    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the form again, saying what is wrong
        page = response.content.decode()
        assert any(
            mark in page for mark in ("invalid-feedback", "alert-danger", "text-danger small")
        )
        assert counts() == before


@PROPERTY
@given(query=hostile_text, status=hostile_text, date=hostile_text)
def test_filters_never_fail_on_any_query(world, client_for, query, status, date):
    client = client_for(world.users["coord_ug"])
    params = {"q": query, "status": status, "submitted_from": date, "province": query}

    page = client.get(reverse("enrollment:receipt-list"), params)
    api = client.get("/api/v1/receipts/", params)

    assert page.status_code == 200
    assert api.status_code in (200, 400)


@PROPERTY
@given(cells=st.lists(hostile_text, min_size=8, max_size=8))
def test_a_roster_of_hostile_cells_is_imported_whole_or_not_at_all(world, cells):
    receipt = draft_receipt(world.school_a, world.users["staff_a"], people=1, fill_roster=False)
    keys = [column.key for column in COLUMNS]
    # as Excel stores the characters XML cannot hold: _x0007_, which the reader turns back
    stored = [ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", c) for c in cells]
    hostile = line(person(1, **dict(zip(keys, stored, strict=True))))
    data = xlsx_bytes([line(person(2)), hostile])
    before = RosterEntry.objects.count()

    result, error = attempt(
        lambda: roster_import(receipt=receipt, data=data, by=world.users["staff_a"], consent=True)
    )
    if error:
        assert error.message
        assert RosterEntry.objects.count() == before
    elif result.ok:
        for entry in receipt.roster.all():
            entry.full_clean()
    else:
        assert all(str(e) for e in result.errors)
        assert RosterEntry.objects.count() == before


@PROPERTY
@given(
    text=st.text(
        st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
        min_size=1,
        max_size=50,
    )
)
@example(text="吴\x07敏\x1b\x01\u202e")
def test_exports_never_fail_on_stored_text(world, client_for, text):
    # given text that predates today's rules, stored straight into the database (which may hold
    # any character but NUL and lone surrogates, which PostgreSQL and SQLite cannot store)
    receipt = world.receipt_a
    Receipt.objects.filter(pk=receipt.pk).update(liaison_name=text, department=text)
    RosterEntry.objects.filter(receipt=receipt).update(name=text, post=text)
    world.cohort.__class__.objects.filter(pk=world.cohort.pk).update(name=text)

    # when the desk and the school export it
    coordinator = client_for(world.users["coord_ug"])
    responses = [
        coordinator.get(reverse("enrollment:receipt-export")),
        coordinator.get(reverse("enrollment:roster-export", args=[receipt.pk])),
        coordinator.get(reverse("enrollment:roster-export-full", args=[receipt.pk])),
        coordinator.get(reverse("courses:cohort-export", args=[world.cohort.pk])),
    ]

    # then every export is a workbook a spreadsheet program opens
    for response in responses:
        assert response.status_code == 200
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_credentials_export_never_fails_on_stored_text(world, client_for):
    from enrollment.services import receipt_approve
    from learners.services import cohort_place_line

    receipt = receipt_approve(receipt=world.receipt_a, by=world.users["coord_ug"])
    cohort_place_line(cohort=world.cohort, line=receipt.lines.get(), by=world.users["coord_ug"])
    RosterEntry.objects.filter(receipt=receipt).update(name="吴\x07敏\x1b")
    Cohort.objects.filter(pk=world.cohort.pk).update(name="第\x01期")

    response = client_for(world.users["staff_a"]).get(
        reverse("enrollment:credentials-export", args=[receipt.pk])
    )

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A2"].value == "吴敏"
    assert exports.ILLEGAL_CHARACTERS_RE.search(sheet["D2"].value) is None


# ---- study: the heartbeat, posts, essays and exam answers ----


@pytest.fixture
def study(world):
    """learner_a's place, with a lesson, a topic, an essay required and an open exam attempt."""
    from learners.services.exams import exam_start
    from tests.factories import DiscussionTopicFactory, LessonFactory, QuestionFactory

    program = world.study_cohort.program
    program.require_essay = True
    program.essay_min_chars = 50
    program.require_exam = True
    program.exam_question_count = 2
    program.save()
    for _ in range(2):
        QuestionFactory(program=program)
    return {
        "enrollment": world.enrollment_a,
        "lesson": LessonFactory(program=program, duration_seconds=600),
        "topic": DiscussionTopicFactory(cohort=world.study_cohort),
        "attempt": exam_start(enrollment=world.enrollment_a),
    }


@PROPERTY
@given(payload=st.dictionaries(st.sampled_from(["tab", "position", "x"]), json_value))
@example(payload={"tab": "tab-aaaaaaaa", "position": float("nan")})
@example(payload={"tab": "tab-aaaaaaaa", "position": 10**30})
def test_the_heartbeat_never_fails_on_any_json(world, client_for, study, payload):
    import json

    from learners.models import LessonProgress

    url = reverse(
        "learners:lesson-heartbeat",
        kwargs={"pk": study["enrollment"].pk, "lesson": study["lesson"].pk},
    )
    response = client_for(world.users["learner_a"]).post(
        url, data=json.dumps(payload), content_type="application/json"
    )

    assert response.status_code in (200, 400), response.content[:300]
    assert response.json()["message"]
    for progress in LessonProgress.objects.all():
        assert 0 <= progress.watched_seconds <= study["lesson"].duration_seconds


@PROPERTY
@given(body=hostile_text, title=hostile_text)
def test_posts_and_essays_are_saved_or_refused_with_a_sentence(world, study, body, title):
    from learners.models import Essay, Post
    from learners.services.discussion import post_create
    from learners.services.essays import essay_save

    learner = world.users["learner_a"]
    for write in (
        lambda: post_create(author=learner, topic=study["topic"], body=body),
        lambda: essay_save(enrollment=study["enrollment"], title=title, body=body, submit=True),
    ):
        refusal = ""
        try:
            write()
        except ApplicationError as error:
            refusal = error.message or "(no sentence)"
        assert refusal != "(no sentence)"
    for post in Post.objects.all():
        post.full_clean()  # what was saved keeps every rule
    for essay in Essay.objects.all():
        essay.full_clean()


@PROPERTY
@given(
    values=st.lists(
        st.one_of(hostile_text, any_number.map(str), st.just("")), min_size=1, max_size=4
    )
)
def test_exam_answers_never_fail_on_any_form_value(world, client_for, study, values):
    attempt = study["attempt"]
    question_ids = list(attempt.answers.values_list("question_id", flat=True))
    url = reverse(
        "learners:exam-attempt", kwargs={"pk": study["enrollment"].pk, "attempt": attempt.pk}
    )
    form = {"autosave": "1", f"q{question_ids[0]}": values}

    response = client_for(world.users["learner_a"]).post(url, form)

    assert response.status_code < 500, response.content[:300]
    attempt.refresh_from_db()
    assert attempt.submitted_at is None  # an autosave never hands the paper in
