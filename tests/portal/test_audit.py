import pytest

from courses.models import Program
from portal.models import AuditEvent
from portal.services import audit_record
from tests.factories import AcademyCoordinatorFactory

pytestmark = pytest.mark.django_db


def test_an_audit_event_records_who_what_and_which_object():
    coordinator = AcademyCoordinatorFactory()
    program = Program.objects.get(code="activists")

    event = audit_record(
        actor=coordinator, action="program.change", target=program, comment="改学时"
    )

    assert event.actor == coordinator
    assert event.object_id == str(program.pk)
    assert event.content_type.model == "program"
    assert event.object_repr == "入党积极分子培训"
    assert event.at is not None


def test_the_audit_log_cannot_be_changed_or_deleted():
    event = audit_record(actor=None, action="system.test")

    event.comment = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == ""


def test_a_program_edited_in_the_admin_is_audited(client_for, world):
    coordinator = world.users["coord_ug"]
    program = Program.objects.get(code="activists")
    url = f"/admin/courses/program/{program.pk}/change/"
    page = client_for(coordinator).get(url).context
    form = page["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    for inline in page["inline_admin_formsets"]:  # the program's lessons and hour bands, unchanged
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update(default_hours="32", fee_amount="200")

    response = client_for(coordinator).post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.default_hours == 32
    event = AuditEvent.objects.get(action="program.change")
    assert event.actor == coordinator
    assert "default_hours" in event.details["changed"]
