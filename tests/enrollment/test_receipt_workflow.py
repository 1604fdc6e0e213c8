import datetime

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Program
from enrollment.models import Receipt, ReceiptStatus, ReceiptTransition
from enrollment.selectors import ReceiptFilter, receipt_list
from enrollment.services import (
    LineRequest,
    receipt_approve,
    receipt_create,
    receipt_reject,
    receipt_return,
    receipt_submit,
    receipt_update,
    receipt_withdraw,
    receipts_create_for_province,
)
from portal.errors import ApplicationError
from portal.models import AuditEvent
from tests.factories import InstitutionFactory
from tests.receipts import RECEIPT_DATA, draft_receipt, submitted_receipt

pytestmark = pytest.mark.django_db


def program(code="party-affairs-staff"):
    return Program.objects.get(code=code)


def test_a_school_files_a_draft_for_itself(world):
    receipt = draft_receipt(world.school_a, world.users["staff_a"], people=2, serial_base=10)

    assert receipt.status == ReceiptStatus.DRAFT
    assert receipt.desk == world.school_a.desk
    assert receipt.roster.count() == 2
    assert AuditEvent.objects.filter(action="receipt.create", object_id=str(receipt.pk)).exists()


def test_a_school_cannot_file_for_another_school(world):
    with pytest.raises(ApplicationError):
        receipt_create(
            institution=world.school_b,
            by=world.users["staff_a"],
            data=RECEIPT_DATA,
            lines=[LineRequest(program(), 3)],
        )
    assert (
        not Receipt.objects.exists()
        or not Receipt.objects.filter(institution=world.school_b).exists()
    )


def test_a_province_files_for_several_of_its_schools_in_one_go(world):
    other = InstitutionFactory(province=world.beijing)

    receipts = receipts_create_for_province(
        institutions=[world.school_a, other],
        by=world.users["prov_bj"],
        data=RECEIPT_DATA,
        lines=[LineRequest(program(), 10)],
    )

    assert {r.institution for r in receipts} == {world.school_a, other}


def test_a_province_cannot_file_for_another_province_and_nothing_is_written(world):
    before = Receipt.objects.count()

    with pytest.raises(ApplicationError):
        receipts_create_for_province(
            institutions=[world.school_a, world.school_b],
            by=world.users["prov_bj"],
            data=RECEIPT_DATA,
            lines=[LineRequest(program(), 10)],
        )

    assert Receipt.objects.count() == before


# March and April: two months from 1 March are 61 days.
NEXT_MARCH = datetime.date(timezone.localdate().year + 1, 3, 1)


@pytest.mark.parametrize(
    ("lines", "study_days", "message"),
    [
        ([], 30, "请至少选择一个培训班次"),
        ([("double-creation-workshop", 51)], 30, "每期最多 50 人"),
        ([("activists", 5)], 62, "不超过 2 个月（自"),
        ([("activists", 5)], 63, "「学习时长（天）」确保该值小于或等于62。"),
        ([("activists", 0)], 30, "的参训人数：确保该值大于或等于1。"),
        ([("activists", 2**31)], 30, "的参训人数：确保该值小于或等于20000。"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(world, lines, study_days, message):
    with pytest.raises(ApplicationError) as error:
        receipt_create(
            institution=world.school_a,
            by=world.users["staff_a"],
            data={
                **RECEIPT_DATA,
                "preferred_start_date": NEXT_MARCH,
                "study_length_days": study_days,
            },
            lines=[LineRequest(program(code), n) for code, n in lines],
        )
    assert message in error.value.message
    assert not Receipt.objects.exclude(pk=world.receipt_a.pk).exists()


def test_the_full_workflow_records_who_when_and_why_and_mails_the_liaison(
    world, django_capture_on_commit_callbacks
):
    staff, coordinator = world.users["staff_a"], world.users["coord_ug"]
    with django_capture_on_commit_callbacks(execute=True):
        receipt = submitted_receipt(world.school_a, staff, people=1, serial_base=50)
        receipt = receipt_return(receipt=receipt, by=coordinator, comment="请补充发票信息")
        receipt = receipt_submit(receipt=receipt, by=staff, comment="已补充")
        receipt = receipt_approve(receipt=receipt, by=coordinator)

    history = list(
        ReceiptTransition.objects.filter(receipt=receipt).values_list(
            "to_status", "by__username", "comment"
        )
    )
    assert history == [
        ("submitted", "staff_a", ""),
        ("returned", "coord_ug", "请补充发票信息"),
        ("submitted", "staff_a", "已补充"),
        ("approved", "coord_ug", ""),
    ]
    assert [m.to for m in mail.outbox] == [["liaison@example.edu.cn"]] * 4
    assert "退回修改" in mail.outbox[1].subject
    assert "请补充发票信息" in mail.outbox[1].body


def test_the_liaison_is_mailed_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=60)

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_notification_task_run_twice_sends_one_mail(world):
    from enrollment.tasks import notify_receipt_status_task

    receipt = world.receipt_a
    transition = receipt.transitions.get()
    mail.outbox.clear()

    notify_receipt_status_task(transition.pk)
    notify_receipt_status_task(transition.pk)

    assert len(mail.outbox) == 1
    assert ReceiptTransition.objects.get(pk=transition.pk).notified_at is not None


def test_the_sweep_mails_the_changes_whose_task_was_lost_once_and_leaves_recent_and_old_ones(
    world,
):
    from enrollment.services import receipt_notifications_sweep

    # given three unsent changes: one lost minutes ago, one just made, one three days old
    lost, recent, old = (
        submitted_receipt(
            world.school_a, world.users["staff_a"], people=1, serial_base=base
        ).transitions.get()
        for base in (80, 81, 82)
    )
    ReceiptTransition.objects.update(notified_at=None)
    now = timezone.now()
    ReceiptTransition.objects.filter(pk=lost.pk).update(at=now - datetime.timedelta(minutes=5))
    ReceiptTransition.objects.filter(pk=old.pk).update(at=now - datetime.timedelta(days=3))
    ReceiptTransition.objects.exclude(pk__in=[lost.pk, recent.pk, old.pk]).update(notified_at=now)
    mail.outbox.clear()

    # when the sweep runs twice
    sent = [receipt_notifications_sweep(), receipt_notifications_sweep()]

    # then only the lost one was mailed, once
    assert sent == [1, 0]
    assert len(mail.outbox) == 1
    assert list(
        ReceiptTransition.objects.filter(
            notified_at__isnull=False, pk__in=[lost.pk, recent.pk, old.pk]
        ).values_list("pk", flat=True)
    ) == [lost.pk]


def test_approving_a_draft_is_refused_and_changes_nothing(world):
    receipt = draft_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=70)

    with pytest.raises(ApplicationError) as error:
        receipt_approve(receipt=receipt, by=world.users["coord_ug"])

    assert error.value.message == "只有受理该回执的学院项目负责人可以审核。"
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DRAFT
    assert not receipt.transitions.exists()


def test_submitting_twice_is_refused(world):
    receipt = world.receipt_a

    with pytest.raises(ApplicationError) as error:
        receipt_submit(receipt=receipt, by=world.users["staff_a"])

    assert "已提交" in error.value.message
    assert receipt.transitions.count() == 1


def test_editing_an_approved_receipt_is_refused(world):
    receipt = receipt_approve(receipt=world.receipt_a, by=world.users["coord_ug"])

    with pytest.raises(ApplicationError):
        receipt_update(
            receipt=receipt,
            by=world.users["staff_a"],
            data={**RECEIPT_DATA, "department": "改"},
            lines=[LineRequest(program(), 1)],
        )
    receipt.refresh_from_db()
    assert receipt.department == RECEIPT_DATA["department"]


def test_the_other_desk_cannot_review(world):
    with pytest.raises(ApplicationError):
        receipt_approve(receipt=world.receipt_a, by=world.users["coord_voc"])
    world.receipt_a.refresh_from_db()
    assert world.receipt_a.status == ReceiptStatus.SUBMITTED


def test_a_school_cannot_approve_its_own_receipt(world):
    with pytest.raises(ApplicationError):
        receipt_approve(receipt=world.receipt_a, by=world.users["staff_a"])


def test_returning_or_rejecting_needs_a_reason(world):
    with pytest.raises(ApplicationError):
        receipt_return(receipt=world.receipt_a, by=world.users["coord_ug"], comment="  ")
    with pytest.raises(ApplicationError):
        receipt_reject(receipt=world.receipt_a, by=world.users["coord_ug"], comment="")
    rejected = receipt_reject(
        receipt=world.receipt_a, by=world.users["coord_ug"], comment="名额已满"
    )
    assert rejected.status == ReceiptStatus.REJECTED


def test_the_school_may_withdraw_before_approval_but_not_after(world):
    draft = draft_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=80)
    assert (
        receipt_withdraw(receipt=draft, by=world.users["staff_a"]).status == ReceiptStatus.WITHDRAWN
    )

    approved = receipt_approve(receipt=world.receipt_a, by=world.users["coord_ug"])
    with pytest.raises(ApplicationError):
        receipt_withdraw(receipt=approved, by=world.users["staff_a"])


def test_submitting_needs_a_roster_that_matches_the_headcounts(world):
    receipt = draft_receipt(world.school_a, world.users["staff_a"], people=3, fill_roster=False)

    with pytest.raises(ApplicationError) as error:
        receipt_submit(receipt=receipt, by=world.users["staff_a"])

    assert "回执填报 3 人，名单中有 0 人" in error.value.message


def test_the_inbox_shows_each_desk_its_submitted_receipts_not_drafts(world):
    draft_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=90)
    voc = submitted_receipt(world.school_b, world.users["staff_b"], people=1, serial_base=95)

    assert list(receipt_list(user=world.users["coord_ug"])) == [world.receipt_a]
    assert list(receipt_list(user=world.users["coord_voc"])) == [voc]
    assert receipt_list(user=world.users["staff_a"]).count() == 2


def test_the_inbox_filters_by_status_province_program_date_and_school(world):
    receipts = receipt_list(user=world.users["admin"])
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    def found(**params):
        return list(ReceiptFilter(params, queryset=receipts).qs)

    assert found(status="submitted") == [world.receipt_a]
    assert found(status="approved") == []
    assert found(province="11") == [world.receipt_a]
    assert found(province="32") == []
    assert found(province="99") == []
    assert found(program=program().code) == [world.receipt_a]
    assert found(program=program("activists").code) == []
    assert found(q="北京测试") == [world.receipt_a]
    assert found(submitted_from=today, submitted_to=today) == [world.receipt_a]
    assert found(submitted_from=tomorrow) == []
    assert found(desk="vocational") == []


def test_the_inbox_page_costs_the_same_queries_for_3_or_30_receipts(world, client_for):
    client = client_for(world.users["coord_ug"])
    for n in range(2):
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=200 + n)
    client.get("/receipts/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/receipts/")
    for n in range(27):
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=300 + n)
    with CaptureQueriesContext(connection) as many:
        client.get("/receipts/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_refused_email_holds_back_no_other_and_stays_unsent_for_the_next_sweep(
    world, monkeypatch, caplog
):
    import smtplib

    from enrollment.services import receipt_notifications_sweep

    # given two lost changes, the first to an address the mail server refuses
    refused, fine = (
        submitted_receipt(
            world.school_a, world.users["staff_a"], people=1, serial_base=base
        ).transitions.get()
        for base in (84, 85)
    )
    ReceiptTransition.objects.update(notified_at=timezone.now())
    ReceiptTransition.objects.filter(pk__in=[refused.pk, fine.pk]).update(
        notified_at=None, at=timezone.now() - datetime.timedelta(minutes=5)
    )
    ReceiptTransition.objects.filter(pk=fine.pk).update(
        at=timezone.now() - datetime.timedelta(minutes=4)
    )
    Receipt.objects.filter(pk=refused.receipt_id).update(liaison_email="refused@example.edu.cn")
    real_send = mail.get_connection().__class__.send_messages

    def send_messages(connection, messages):
        if any("refused@example.edu.cn" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"refused@example.edu.cn": (550, b"no")})
        return real_send(connection, messages)

    monkeypatch.setattr(mail.get_connection().__class__, "send_messages", send_messages)
    mail.outbox.clear()

    # when the sweep runs
    sent = receipt_notifications_sweep()

    # then the other change is mailed, the refused one waits, and the log names no address
    assert sent == 1
    assert len(mail.outbox) == 1
    assert ReceiptTransition.objects.get(pk=fine.pk).notified_at is not None
    assert ReceiptTransition.objects.get(pk=refused.pk).notified_at is None
    assert "refused@example.edu.cn" not in caplog.text
