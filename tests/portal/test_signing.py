"""The academy's PAdES signature: a signed PDF verifies (here and in poppler's independent
pdfsig); one altered byte, an update appended after signing or another signer's key is caught;
anything at all can be handed to the verifier without an exception."""

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from portal.errors import ApplicationError
from portal.pdf import pdfs_from_html
from portal.signing import (
    SigningUnavailable,
    read_pdf_metadata,
    sign_pdf,
    verify_pdf,
    write_development_pair,
)
from tests.conftest import require_tool

HTML = (
    '<html lang="zh-Hans"><head><title>学时证明</title></head>'
    "<body style=\"font-family: 'Portal Serif CJK'\"><h1>学时证明</h1><p>兹证明 王𡒄 完成培训。</p>"
    "</body></html>"
)
META = {"CertificateSerial": "2026-000007", "VerificationToken": "k3y-令牌"}


def use_pair(settings, folder, organization="测试学院"):
    paths = [folder / "key.pem", folder / "cert.pem", folder / "ca.pem"]
    write_development_pair(*paths, organization=organization)
    settings.PDF_SIGNING_KEY_FILE, settings.PDF_SIGNING_CERT_FILE = str(paths[0]), str(paths[1])
    settings.PDF_SIGNING_CHAIN_FILE = str(paths[2])
    settings.PDF_SIGNING_KEY_PASSPHRASE = ""
    return paths


@pytest.fixture
def signing_pair(settings, tmp_path):
    return use_pair(settings, tmp_path / "signing")


@pytest.fixture(scope="module")
def unsigned_pdf():
    return next(pdfs_from_html([HTML]))


@pytest.fixture
def signed_pdf(signing_pair, unsigned_pdf):
    return sign_pdf(unsigned_pdf, metadata=META)


def test_a_signed_pdf_verifies_as_genuine_with_its_metadata(signed_pdf):
    check = verify_pdf(signed_pdf)

    assert check.signed
    assert check.intact
    assert check.trusted
    assert check.genuine
    assert check.reason == ""
    assert "测试学院" in check.signer
    assert check.signed_at is not None
    assert check.metadata["CertificateSerial"] == "2026-000007"
    assert read_pdf_metadata(signed_pdf)["VerificationToken"] == "k3y-令牌"


def test_poppler_reads_the_signature_as_valid_and_covering_the_whole_document(signed_pdf, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    report = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    ).stdout

    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES
    assert "测试学院" in report


def test_one_altered_byte_is_caught(signed_pdf):
    position = signed_pdf.index(b"stream") + 300  # inside the first content or font stream
    altered = bytearray(signed_pdf)
    altered[position] ^= 0x01

    check = verify_pdf(bytes(altered))

    assert check.signed
    assert not check.intact
    assert not check.genuine
    assert check.reason
    assert check.metadata == {}


def test_a_changed_signature_value_is_caught(signed_pdf):
    """The RSA signature value closes the CMS (no unsigned attributes follow): change its last
    byte. (Bytes of the CMS's certificate copies are not signed, by CMS's design; the copy of our
    own CA there is not what trust is checked against.)"""
    contents = signed_ranges(signed_pdf)[0].stop + 1  # after the "<" of /Contents
    header = bytes.fromhex(signed_pdf[contents : contents + 8].decode())
    assert header[:2] == b"\x30\x82"  # a SEQUENCE with a two-byte length
    last = contents + 2 * (4 + int.from_bytes(header[2:4])) - 2  # hex digits of the last byte
    altered = bytearray(signed_pdf)
    altered[last : last + 2] = b"00" if altered[last : last + 2] != b"00" else b"01"

    check = verify_pdf(bytes(altered))

    assert check.signed
    assert not check.intact
    assert not check.genuine


def test_an_update_appended_after_signing_is_caught(signed_pdf):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    info = writer.trailer.raw_get("/Info")
    info.get_object()[generic.NameObject("/CertificateSerial")] = generic.TextStringObject("X")
    writer.mark_update(info)
    out = io.BytesIO()
    writer.write(out)

    check = verify_pdf(out.getvalue())

    assert check.signed
    assert check.trusted
    assert not check.intact
    assert not check.genuine
    assert "追加" in check.reason
    assert check.metadata == {}  # what the update says is not offered as the certificate's


def test_a_pdf_signed_by_another_key_is_not_trusted(settings, tmp_path, unsigned_pdf):
    use_pair(settings, tmp_path / "other", organization="冒名学院")
    forged = sign_pdf(unsigned_pdf)
    use_pair(settings, tmp_path / "ours")

    check = verify_pdf(forged)

    assert check.signed
    assert check.intact
    assert not check.trusted
    assert not check.genuine
    assert "冒名学院" in check.signer


def test_an_unsigned_pdf_is_not_signed(signing_pair, unsigned_pdf):
    check = verify_pdf(unsigned_pdf)

    assert not check.signed
    assert not check.genuine
    assert check.reason


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"hello",
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b"\x00" * 4096,
    ],
)
def test_garbage_is_not_signed_and_raises_nothing(signing_pair, garbage):
    check = verify_pdf(garbage)

    assert not check.signed
    assert not check.genuine
    assert check.reason
    assert read_pdf_metadata(garbage) == {}


def test_a_truncated_signed_pdf_is_never_genuine(signed_pdf):
    for size in (10, len(signed_pdf) // 3, len(signed_pdf) - 40):
        assert not verify_pdf(signed_pdf[:size]).genuine


def signed_ranges(pdf: bytes) -> list[range]:
    """The byte ranges the signature covers: everything but its own /Contents hex string."""
    start, first, second, length = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf).groups()
    )
    return [range(start, start + first), range(second, second + length)]


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_damage_to_a_signed_pdf_is_never_genuine_and_never_raises(signed_pdf, data):
    """Any byte the signature covers, changed, makes the file not genuine (a byte of the zero
    padding inside the signature's own /Contents is not covered: by design, it changes nothing)."""
    covered = signed_ranges(signed_pdf)
    damaged = bytearray(signed_pdf)
    for _ in range(data.draw(st.integers(1, 4))):
        area = data.draw(st.sampled_from(covered))
        position = data.draw(st.integers(area.start, area.stop - 1))
        damaged[position] = data.draw(
            st.integers(0, 255).filter(lambda b, p=position: b != damaged[p])
        )

    check = verify_pdf(bytes(damaged))

    assert not check.genuine


def test_garbage_bytes_never_raise(signing_pair):
    @hypothesis_settings(max_examples=60, deadline=None)
    @given(st.binary(max_size=4096) | st.binary(max_size=2048).map(lambda b: b"%PDF-1.7\n" + b))
    def check(garbage):
        assert not verify_pdf(garbage).genuine
        assert isinstance(read_pdf_metadata(garbage), dict)

    check()


def test_signing_without_the_files_is_refused_in_a_sentence(settings, tmp_path, unsigned_pdf):
    settings.PDF_SIGNING_KEY_FILE = str(tmp_path / "missing-key.pem")
    settings.PDF_SIGNING_CERT_FILE = str(tmp_path / "missing-cert.pem")

    with pytest.raises(SigningUnavailable) as refused:
        sign_pdf(unsigned_pdf)

    assert isinstance(refused.value, ApplicationError)
    assert "签章" in refused.value.message


def test_a_passphrase_protected_key_is_read_with_its_passphrase(settings, tmp_path, unsigned_pdf):
    from cryptography.hazmat.primitives import serialization

    key_path, _cert, _ca = use_pair(settings, tmp_path / "locked")
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    settings.PDF_SIGNING_KEY_PASSPHRASE = "wrong"
    with pytest.raises(SigningUnavailable):
        sign_pdf(unsigned_pdf)

    settings.PDF_SIGNING_KEY_PASSPHRASE = "s3cret"
    assert verify_pdf(sign_pdf(unsigned_pdf)).genuine


def test_make_signing_pair_makes_a_pair_once_unless_forced(settings, tmp_path):
    folder = tmp_path / "var" / "signing"
    settings.PDF_SIGNING_KEY_FILE = str(folder / "signing-key.pem")
    settings.PDF_SIGNING_CERT_FILE = str(folder / "signing-cert.pem")
    settings.PDF_SIGNING_CHAIN_FILE = str(folder / "ca-cert.pem")
    out = io.StringIO()

    call_command("make_signing_pair", stdout=out)
    first = (folder / "signing-cert.pem").read_bytes()
    call_command("make_signing_pair", stdout=out)
    assert (folder / "signing-cert.pem").read_bytes() == first
    assert (folder / "signing-key.pem").stat().st_mode & 0o077 == 0  # the key is the owner's
    call_command("make_signing_pair", "--force", stdout=out)
    assert (folder / "signing-cert.pem").read_bytes() != first
    assert "in place" in out.getvalue()


def test_a_host_without_the_private_key_still_verifies(settings, signed_pdf, signing_pair):
    settings.PDF_SIGNING_KEY_FILE = str(signing_pair[0].parent / "not-on-this-host.pem")

    assert verify_pdf(signed_pdf).genuine
