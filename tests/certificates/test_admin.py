"""The admin shows certificates read-only and revokes, reinstates and re-renders them through the
services, with the services' refusals shown as messages."""

import pytest
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue, certificate_revoke


@pytest.fixture
def certificate(completed):
    return certificate_issue(enrollment_id=completed.pk)


def act(client, action, certificate, **extra):
    return client.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": action, "_selected_action": [certificate.pk], **extra},
        follow=True,
    )


def test_a_coordinator_revokes_with_a_reason_and_reinstates_in_the_admin(
    world, certificate, client_for
):
    client = client_for(world.users["coord_ug"])

    refused = act(client, "revoke", certificate, reason="")
    assert "请填写撤销原因" in refused.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID

    act(client, "revoke", certificate, reason="重复发放")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason) == (
        CertificateStatus.REVOKED,
        "重复发放",
    )

    act(client, "reinstate", certificate)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_a_certificates_page_is_read_only_and_nobody_adds_or_deletes(
    world, certificate, client_for
):
    client = client_for(world.users["admin"])
    url = reverse("admin:certificates_certificate_change", args=[certificate.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, {"revoked_reason": "x"}).status_code == 403
    assert client.get(reverse("admin:certificates_certificate_add")).status_code == 403
    delete = reverse("admin:certificates_certificate_delete", args=[certificate.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Certificate.objects.filter(pk=certificate.pk, revoked_reason="").exists()


def test_regenerating_from_the_admin_keeps_the_serial(
    world, certificate, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(client_for(world.users["coord_ug"]), "regenerate", certificate)

    rendered = Certificate.objects.get(pk=certificate.pk)
    assert rendered.pdf
    assert rendered.serial == certificate.serial


def test_the_list_filters_revoked_certificates(world, certificate, client_for):
    certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason="信息有误")

    page = client_for(world.users["coord_voc"]).get(
        reverse("admin:certificates_certificate_changelist") + "?status=revoked"
    )

    assert certificate.serial in page.content.decode()
