"""The certificate PDF: one A4 landscape page in an embedded CJK font that gives back the name,
program and hours; the ID number masked unless the setting asks for it whole; a QR code to the
public verification page; text a user typed is text and makes the renderer fetch nothing."""

import subprocess

import pytest
import segno
from django.core.files.storage import default_storage

from certificates.selectors import certificate_document, certificate_verification_url, qr_svg
from certificates.services import (
    TEMPLATE,
    certificate_ensure_pdf,
    certificate_issue,
    certificate_pdf_bytes,
    certificate_render,
)
from tests.certificates.places import ID_NUMBER
from tests.conftest import require_tool


def pdf_text(pdf: bytes, tmp_path) -> tuple[str, str, str]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)

    def run(tool):
        return subprocess.run(
            [require_tool(tool), str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    return run("pdftotext"), run("pdffonts"), run("pdfinfo")


@pytest.fixture
def certificate(completed):
    return certificate_issue(enrollment_id=completed.pk)


def test_the_pdf_gives_back_the_facts_in_an_embedded_cjk_font_on_one_landscape_page(
    world, certificate, tmp_path
):
    text, fonts, info = pdf_text(certificate_pdf_bytes(certificate), tmp_path)

    flat = "".join(text.split())
    assert "学时证明" in flat
    assert "张晓明" in flat
    assert world.study_cohort.program.name in flat
    assert world.school_a.name in flat
    assert certificate.serial in flat
    assert "3.5" in flat
    assert "3.0" in flat
    assert "中国教育干部网络学院" in flat
    assert "习近平新时代中国特色社会主义思想概论" in flat  # the program's main content
    assert "CJK" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # all embedded
    assert "Pages:           1" in info
    assert "841.89 x 595.28" in info or "841.89 x 595.276" in info  # A4 landscape


def test_the_id_number_is_masked_unless_the_setting_wants_it_whole(
    certificate, person, settings, tmp_path
):
    masked, _, _ = pdf_text(certificate_pdf_bytes(certificate), tmp_path)
    assert person.id_masked in masked
    assert ID_NUMBER not in masked

    settings.CERTIFICATE_SHOW_FULL_ID = True
    whole, _, _ = pdf_text(certificate_pdf_bytes(certificate), tmp_path)
    assert ID_NUMBER in whole


def test_the_qr_code_points_at_the_public_verification_page(certificate, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"

    context = certificate_document(certificate)

    url = f"https://portal.example.org/verify/{certificate.token}"
    assert certificate_verification_url(certificate) == url
    assert context["verification_url"] == url
    expected = segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True, dark="#000")
    assert str(context["qr_svg"]) == expected
    assert url not in str(context["qr_svg"])  # the URL is in the modules, not in the markup


def test_only_segnos_markup_is_marked_safe(certificate):
    from django.template.loader import render_to_string

    certificate.learner_name = "<b>x</b>"
    html = render_to_string(TEMPLATE, certificate_document(certificate))

    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert str(qr_svg(certificate_verification_url(certificate))) in html


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        "https://evil.example/track.png",
    ],
)
def test_text_a_user_typed_makes_the_renderer_fetch_nothing(certificate, hostile):
    from portal.pdf import ProjectFilesFetcher, render_pdf

    certificate.learner_name = hostile[:50]
    certificate.institution_name = hostile
    certificate.program_name = hostile
    fetcher = ProjectFilesFetcher()

    render_pdf(TEMPLATE, certificate_document(certificate), fetcher=fetcher)

    assert fetcher.refused == []  # only the seal, a project file, was asked for


def test_rare_characters_render_as_themselves(world, completed, person, tmp_path):
    person.name = "𠮷䶮𡒄"  # CJK Extension B, A, B
    person.save(update_fields=["name"])
    certificate = certificate_issue(enrollment_id=completed.pk)

    text, _, _ = pdf_text(certificate_pdf_bytes(certificate), tmp_path)

    assert "𠮷䶮𡒄" in text


def test_the_pdf_is_stored_and_regenerating_keeps_serial_and_token(
    certificate, django_capture_on_commit_callbacks
):
    rendered = certificate_render(certificate=certificate)
    first = rendered.pdf.name
    assert default_storage.exists(first)
    assert first.startswith(f"certificates/{certificate.issued_on.year}/{certificate.serial}")

    with django_capture_on_commit_callbacks(execute=True):
        again = certificate_render(certificate=rendered)

    assert (again.serial, again.token) == (certificate.serial, certificate.token)
    assert default_storage.exists(again.pdf.name)
    assert again.pdf_rendered_at >= rendered.pdf_rendered_at
    if again.pdf.name != first:  # a storage that keeps both names: the old file goes
        assert not default_storage.exists(first)


def test_a_stored_pdf_is_not_rendered_again_unless_asked(certificate):
    rendered = certificate_ensure_pdf(certificate=certificate)

    assert certificate_ensure_pdf(certificate=rendered).pdf_rendered_at == rendered.pdf_rendered_at


def test_the_stored_pdf_is_signed_by_the_academy_with_its_facts(certificate):
    from portal.signing import verify_pdf

    stored = certificate_render(certificate=certificate)
    check = verify_pdf(stored.pdf.read())

    assert check.genuine, check.reason
    assert check.metadata["CertificateSerial"] == certificate.serial
    assert check.metadata["CertificateToken"] == certificate.token
    assert check.metadata["Hours"] == "3.5"
    assert ID_NUMBER not in repr(check.metadata)


def test_without_the_signing_key_nothing_is_stored_unsigned(certificate, settings, tmp_path):
    from portal.signing import SigningUnavailable

    settings.PDF_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")

    with pytest.raises(SigningUnavailable):
        certificate_render(certificate=certificate)

    certificate.refresh_from_db()
    assert not certificate.pdf
