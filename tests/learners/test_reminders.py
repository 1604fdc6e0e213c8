"""A school reminds its people who are behind: each sees it on her study page and gets one email
(after commit, when she has an address); pressing again within a week reminds nobody twice."""

import pytest

from learners.models import HourReminder, Learner
from learners.services.reminders import hour_reminder_email, hour_reminders_send
from portal import pii
from portal.errors import PermissionRefused
from tests.factories import LearnerFactory

NUMBERS = ["11010519491231002X", "110105194912310021", "110105195001010023"]


def person(user, school, number):
    return Learner.objects.create(
        user=user,
        name=user.full_name or "学员",
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=school,
    )


@pytest.fixture
def people(world):
    learner_a = world.users["learner_a"]
    learner_a.email = "learner-a@example.edu.cn"
    learner_a.save(update_fields=["email"])
    mine = person(learner_a, world.school_a, NUMBERS[0])
    no_address = person(LearnerFactory(institution=world.school_a), world.school_a, NUMBERS[1])
    elsewhere = person(LearnerFactory(institution=world.school_b), world.school_b, NUMBERS[2])
    return mine, no_address, elsewhere


def test_the_school_reminds_its_people_once_a_week_and_an_email_follows(
    world, people, mailoutbox, django_capture_on_commit_callbacks
):
    mine, no_address, elsewhere = people
    staff = world.users["staff_a"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = hour_reminders_send(by=staff, learner_ids=[mine.pk, no_address.pk, elsewhere.pk])

    assert (sent.sent, sent.skipped) == (2, 1)  # the other school's person is not hers to remind
    assert not HourReminder.objects.filter(learner=elsewhere).exists()
    assert [m.to for m in mailoutbox] == [["learner-a@example.edu.cn"]]
    assert "学时" in mailoutbox[0].subject
    assert world.school_a.name in mailoutbox[0].body

    again = hour_reminders_send(by=staff, learner_ids=[mine.pk])
    assert (again.sent, again.skipped) == (0, 1)


def test_an_email_is_sent_once_however_often_the_task_runs(world, people, mailoutbox):
    mine, _, _ = people
    hour_reminders_send(by=world.users["staff_a"], learner_ids=[mine.pk])
    reminder = HourReminder.objects.get()
    mailoutbox.clear()

    assert hour_reminder_email(reminder_id=reminder.pk)
    assert not hour_reminder_email(reminder_id=reminder.pk)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("role", ["learner_a", "coord_ug", "prov_bj"])
def test_only_a_schools_staff_sends_reminders(world, people, role):
    with pytest.raises(PermissionRefused):
        hour_reminders_send(by=world.users[role], learner_ids=[people[0].pk])
    assert not HourReminder.objects.exists()


def test_she_sees_the_reminder_on_her_study_page(world, people, client_for):
    hour_reminders_send(by=world.users["staff_a"], learner_ids=[people[0].pk])

    page = client_for(world.users["learner_a"]).get("/study/").content.decode()

    assert "提醒您" in page
    assert world.school_a.name in page


def test_the_remind_button_posts_and_refuses_others(world, people, client_for):
    url = "/hours/remind/"
    staff = client_for(world.users["staff_a"])

    assert staff.post(url, {"learner": [people[0].pk]}).status_code == 302
    assert HourReminder.objects.count() == 1
    assert staff.post(url, {"learner": ["x"]}).status_code == 302  # a message, nothing sent
    assert staff.post(url, {"learner": ["9" * 25]}).status_code == 302  # no such person
    assert client_for(world.users["learner_a"]).post(url, {"learner": [1]}).status_code == 403
    assert client_for(world.users["coord_ug"]).post(url, {"learner": [1]}).status_code == 403
    assert HourReminder.objects.count() == 1


def test_with_the_broker_down_the_reminders_stand_at_once_and_the_sweep_emails_them_once(
    world, people, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from learners.services.reminders import hour_reminders_sweep
    from learners.tasks import hour_reminder_email_task

    mine, no_address, _ = people
    attempts = []

    def broker_down(*args):
        attempts.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # given Redis is down when the school sends two reminders
    monkeypatch.setattr(hour_reminder_email_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        sent = hour_reminders_send(by=world.users["staff_a"], learner_ids=[mine.pk, no_address.pk])

    # then both stand, and the request tried the broker once, not once per person
    assert sent.sent == 2
    assert len(attempts) == 1
    assert mailoutbox == []

    # when, minutes later, the sweep runs (twice)
    HourReminder.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    emailed = [hour_reminders_sweep(), hour_reminders_sweep()]

    # then the one with an address is emailed, once
    assert emailed == [1, 0]
    assert [m.to for m in mailoutbox] == [["learner-a@example.edu.cn"]]
