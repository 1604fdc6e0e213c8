"""A learner's personal data: she downloads everything held on her; on her request an academy
desk erases it — what the portal no longer needs is deleted or pseudonymised, her training archive
is kept as the law requires — and the inventory (portal/privacy.py) drives both, field by field."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from axes.models import AccessLog
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.authtoken.models import Token

from certificates.models import Certificate
from certificates.services import certificate_issue
from enrollment.models import Receipt, ReceiptStatus, RosterEntry
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    Essay,
    EssayStatus,
    Evaluation,
    ExamAttempt,
    HourEntry,
    HourReminder,
    HourSource,
    Learner,
    Post,
)
from learners.services.hours import hour_entry_record_completion
from learners.services.privacy import learner_data_export, learner_erase
from portal import privacy
from portal.errors import PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.certificates.places import complete, person_of
from tests.factories import DiscussionTopicFactory, EnrollmentFactory, LessonFactory
from tests.receipts import draft_receipt, id_number

pytestmark = pytest.mark.django_db

SERIAL = 731
ID = id_number(SERIAL)
MOBILE = f"139{SERIAL:08d}"
ESSAY = "我的心得：立德树人的根本任务" * 20
POST = "关于支部组织生活的一点体会"


@pytest.fixture
def her(world, client_for):
    """learner_a with everything the portal may hold on a person: a roster line on a closed
    receipt, a completed place with its certificate PDF and hour entry, a place in progress with
    a post, an essay and an exam attempt, an off-job hour entry, a reminder, a session, a token
    and a sign-in record."""
    user = world.users["learner_a"]
    user.mobile = MOBILE
    user.email = "zhang@example.edu.cn"
    user.save()
    receipt = draft_receipt(
        world.school_a, world.users["staff_a"], people=1, serial_base=SERIAL - 1
    )
    Receipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.WITHDRAWN)
    person = person_of(user, world.school_a, "张晓明", number=ID)
    program = world.study_cohort.program
    program.require_all_lessons = True
    program.save()
    LessonFactory(program=program)
    complete(world.enrollment_a)  # its certificate and hours are made below, without the tasks
    hour_entry_record_completion(enrollment_id=world.enrollment_a.pk)
    certificate = certificate_issue(enrollment_id=world.enrollment_a.pk)
    certificate.pdf.save("c.pdf", ContentFile(b"%PDF-1.7 stand-in"), save=True)
    place = EnrollmentFactory(learner=user, institution=world.school_a)
    topic = DiscussionTopicFactory(cohort=place.cohort)
    Post.objects.create(topic=topic, author=user, enrollment=place, body=POST)
    Essay.objects.create(
        enrollment=place, title="学习心得", body=ESSAY, status=EssayStatus.SUBMITTED, revision=1
    )
    now = timezone.now()
    ExamAttempt.objects.create(enrollment=place, number=1, started_at=now, deadline=now)
    Evaluation.objects.create(
        enrollment=world.enrollment_a,
        overall=5,
        content=5,
        organisation=4,
        platform=4,
        comment="希望增加案例",
    )
    HourEntry.objects.create(
        learner=person,
        source=HourSource.OFF_JOB,
        title="县委党校轮训",
        platform="县委党校",
        completed_on=timezone.localdate() - datetime.timedelta(days=10),
        hours=Decimal("8"),
    )
    HourReminder.objects.create(
        learner=person, institution=world.school_a, sent_by=world.users["staff_a"]
    )
    Token.objects.create(user=user)
    AccessLog.objects.create(username=user.username, ip_address="10.1.2.3", user_agent="Firefox")
    client = client_for(user)
    person.refresh_from_db()
    return person, client


def export_of(user) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(learner_data_export(learner=user)))
    return json.loads(archive.read("data.json")), archive


# ---- the export ----


def test_her_export_holds_everything_held_on_her_with_her_id_number_in_the_clear(world, her):
    person, _client = her
    data, archive = export_of(person.user)
    records = data["records"]
    text = json.dumps(data, ensure_ascii=False)
    assert records["learners.Learner"][0]["id_number"] == ID
    assert records["enrollment.RosterEntry"][0]["id_number"] == ID
    assert MOBILE in text
    assert "zhang@example.edu.cn" in text
    assert ESSAY in text
    assert POST in text
    assert "希望增加案例" in text
    assert "县委党校轮训" in text
    assert records["axes.AccessLog"][0]["ip_address"] == "10.1.2.3"
    certificate = Certificate.objects.get(enrollment=world.enrollment_a)
    path = records["certificates.Certificate"][0]["pdf"]
    assert archive.read(path).startswith(b"%PDF")
    assert certificate.serial in text
    # Credentials and internal digests never travel, not even to her.
    assert person.id_hash not in text
    assert person.user.password not in text
    assert Token.objects.get(user=person.user).key not in text


def test_every_exported_field_of_the_inventory_is_in_her_export(her):
    """A field the inventory says to export is in the export of a learner who has such rows."""
    person, _client = her
    records = export_of(person.user)[0]["records"]
    for label, entry in privacy.learner_models().items():
        for row in records[label]:
            for name, handling in entry.personal.items():
                key = "id_number" if handling.export == privacy.EXPORT_DECRYPTED else name
                assert (key in row) == (handling.export != privacy.NO_EXPORT), (label, name)


def test_a_learner_downloads_her_own_export_from_her_account_page(her, client_for, world):
    person, client = her
    page = client.get("/account/my-data/")
    assert page.status_code == 200
    assert "/account/my-data/export.zip" in page.content.decode()
    response = client.get("/account/my-data/export.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["records"]["learners.Learner"][0]["id_number"] == ID
    # Staff have no export of their own here: it is a learner's page.
    assert client_for(world.users["staff_a"]).get("/account/my-data/export.zip").status_code == 403


# ---- the erasure ----


def test_erasure_deletes_or_pseudonymises_what_is_not_needed_and_keeps_the_archive(
    world, her, django_capture_on_commit_callbacks
):
    person, client = her
    user = person.user
    certificate = Certificate.objects.get(enrollment=world.enrollment_a)
    pdf = certificate.pdf.name
    hours_before = list(HourEntry.objects.filter(learner=person).values_list("hours", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        result = learner_erase(learner=person, by=world.users["coord_ug"])

    user.refresh_from_db()
    person.refresh_from_db()
    certificate.refresh_from_db()
    assert not result.already
    # Account: closed, pseudonymised, without contact data or a usable password.
    assert user.username == f"erased-{user.pk}"
    assert not user.is_active
    assert user.full_name == privacy.ERASED_NAME
    assert user.mobile == ""
    assert user.email == ""
    assert not user.has_usable_password()
    assert not Token.objects.filter(user=user).exists()
    assert not AccessLog.objects.filter(username="learner_a").exists()
    assert client.get("/study/").status_code == 302  # her session is over
    # What she wrote is gone; her place in progress, her reminders and her roster line too.
    assert not Post.objects.filter(body=POST).exists()
    assert Post.objects.get(author=user).body == privacy.ERASED_TEXT
    assert not Essay.objects.filter(body=ESSAY).exists()
    assert not Enrollment.objects.filter(learner=user, status=EnrollmentStatus.IN_PROGRESS).exists()
    assert not HourReminder.objects.filter(learner=person).exists()
    assert not RosterEntry.objects.filter(id_hash=person.id_hash).exists()
    assert Evaluation.objects.get(enrollment=world.enrollment_a).comment == ""
    # Files: her certificate PDF is deleted (after commit), the record stays.
    assert certificate.pdf.name == ""
    assert not default_storage.exists(pdf)
    # Kept by law: the person, her hours, her completed place, her certificate's facts.
    assert person.name == "张晓明"
    assert person.id_hash
    assert person.initial_password_encrypted == ""
    assert Enrollment.objects.get(pk=world.enrollment_a.pk).status == EnrollmentStatus.COMPLETED
    kept = list(HourEntry.objects.filter(learner=person).values_list("hours", flat=True))
    assert kept == hours_before
    assert certificate.serial
    assert certificate.learner_name == "张晓明"


def test_every_blanked_or_pseudonymised_field_of_the_inventory_is_changed(world, her):
    """The erasure does what the inventory says, field by field, on every kept row of hers."""
    person, _client = her
    user = person.user
    before = export_of(user)[0]["records"]
    learner_erase(learner=person, by=world.users["coord_ug"])
    from django.apps import apps

    for label, entry in privacy.learner_models().items():
        model = apps.get_model(label)
        rows = model._default_manager.filter(**{entry.owner: user.pk})
        if entry.rows == "delete":
            assert not rows.exists(), label
            continue
        for row in rows:
            for name, handling in entry.personal.items():
                if handling.erase in (privacy.BLANK, privacy.DELETE_FILE):
                    assert getattr(row, name) in ("", None), (label, name)
                elif handling.erase == privacy.PSEUDONYMISE and name != "password":
                    old = [r.get(name) for r in before[label] if r["id"] == row.pk]
                    assert getattr(row, name) not in old, (label, name)


def test_erasure_is_audited_without_personal_data_and_a_second_run_changes_nothing(world, her):
    person, _client = her
    coordinator = world.users["coord_ug"]
    learner_erase(learner=person, by=coordinator)
    again = learner_erase(learner=person, by=coordinator)
    assert again.already
    events = AuditEvent.objects.filter(action="learner.erase")
    assert events.count() == 1
    event = events.get()
    assert event.actor == coordinator
    assert event.object_id == str(person.pk)
    logged = json.dumps([event.object_repr, event.comment, event.details], ensure_ascii=False)
    assert "张晓明" not in logged
    assert ID not in logged
    assert person.id_masked not in logged


def test_erasure_is_refused_while_an_open_receipt_still_names_her(world, her):
    person, _client = her
    draft_receipt(
        world.school_a, world.users["staff_a"], people=1, serial_base=SERIAL - 1, code="activists"
    )
    with pytest.raises(StateConflict, match="请先由单位将其移出名单"):
        learner_erase(learner=person, by=world.users["coord_ug"])
    assert Learner.objects.get(pk=person.pk).user.is_active


@pytest.mark.parametrize("who", ["coord_voc", "staff_a", "prov_bj", "learner_a"])
def test_only_the_desk_of_her_school_or_an_admin_may_erase(world, her, who):
    person, _client = her
    with pytest.raises(PermissionRefused):
        learner_erase(learner=person, by=world.users[who])


def test_a_coordinator_erases_on_the_confirmation_page_with_the_last_four_digits(
    world, her, client_for, django_capture_on_commit_callbacks
):
    person, _client = her
    client = client_for(world.users["coord_ug"])
    url = f"/people/{person.pk}/erase/"
    page = client.get(url)
    assert page.status_code == 200
    assert "确认删除" in page.content.decode()
    assert ID not in page.content.decode()
    wrong = client.post(url, {"confirm": "0000"}, follow=True)
    assert "请输入该学员身份证号的后 4 位以确认删除" in wrong.content.decode()
    assert Learner.objects.get(pk=person.pk).user.is_active
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": ID[-4:]}, follow=True)
    assert "已删除该学员的个人信息" in done.content.decode()
    assert not Learner.objects.get(pk=person.pk).user.is_active


def test_the_admin_action_sends_the_coordinator_to_the_confirmation_page(world, her, client_for):
    person, _client = her
    client = client_for(world.users["admin"])
    response = client.post(
        "/admin/learners/learner/",
        {"action": "erase_on_request", "_selected_action": [person.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/erase/"
    assert Learner.objects.get(pk=person.pk).user.is_active  # nothing erased without confirming


@pytest.mark.parametrize("who", ["coord_voc", "staff_a", "prov_bj", "learner_a"])
def test_a_refused_user_posting_the_confirmation_erases_nothing(world, her, client_for, who):
    person, _client = her
    response = client_for(world.users[who]).post(
        f"/people/{person.pk}/erase/", {"confirm": ID[-4:]}
    )
    assert response.status_code == 404
    assert Learner.objects.get(pk=person.pk).user.is_active


def test_a_person_erased_then_enrolled_again_gets_a_fresh_account_and_keeps_her_archive(world, her):
    person, _ = her
    coordinator = world.users["coord_ug"]
    learner_erase(learner=person, by=coordinator)
    hours = HourEntry.objects.filter(learner=person).count()

    # when her school puts her on a roster again and the academy places it
    receipt = draft_receipt(
        world.school_a,
        world.users["staff_a"],
        people=1,
        serial_base=SERIAL - 1,
        code="party-members",
    )
    entries = list(RosterEntry.objects.filter(receipt=receipt))
    from learners.services import learners_for_roster

    found = learners_for_roster(entries, institution_id=world.school_a.pk, by=coordinator)

    # then the same record, her archive intact, under an open account she can sign in to once
    learner = found[person.id_hash]
    learner.user.refresh_from_db()
    assert learner.pk == person.pk
    assert learner.user.is_active
    assert not learner.user.username.startswith("erased-")
    assert learner.user.full_name == entries[0].name
    assert learner.user.must_change_password
    assert learner.initial_password_encrypted
    assert HourEntry.objects.filter(learner=person).count() == hours
    assert AuditEvent.objects.filter(
        action="learner.reopen", object_id=str(learner.user.pk)
    ).exists()
