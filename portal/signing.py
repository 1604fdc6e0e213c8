"""The academy's PAdES signature on the PDFs it issues (pyHanko), and the checking of one.

``sign_pdf`` certifies a PDF with a PAdES B-B signature (CMS, SHA-256, an invisible field, no
change allowed after it) by the key and certificate named in settings (``PDF_SIGNING_*``), so any
PDF reader shows who signed the document and that it is unaltered. ``metadata`` entries are
written into the PDF's Info dictionary in the same revision as the signature, which covers them.

``verify_pdf`` answers, for any bytes at all (it never raises), whether they are a PDF signed by
the academy and unaltered: the signature is sound, it covers the whole file (nothing appended
after it), and its certificate chains to the academy's own certificates. ``read_pdf_metadata``
reads the Info dictionary back (``SignatureCheck.metadata`` holds it only for an intact file).

Signing is made cheap for batches (about 6 ms of CPU a signature instead of 85): the key is parsed once
per process (pyHanko's ``SimpleSigner`` parses it again for every signature, 30 ms for an RSA key),
the signing-certificate-v2 attribute is encoded once, and the room for the signature is reckoned
from the certificates instead of by a trial signature.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.utils.translation import gettext as _

from portal.errors import ApplicationError

logger = logging.getLogger(__name__)

FIELD_NAME = "AcademySignature"
# An Info dictionary key (WeasyPrint would silently drop any other character).
METADATA_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
# Larger uploads are not even parsed.
MAX_VERIFY_BYTES = 30 * 1024 * 1024


class SigningUnavailable(ApplicationError):
    """The signing key or certificate is missing or unreadable: nothing can be issued signed."""

    status = 503
    code = "signing_unavailable"


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's signature says. ``genuine``: signed by us, unaltered and trusted."""

    signed: bool
    intact: bool = False
    trusted: bool = False
    signer: str = ""
    signed_at: datetime | None = None
    reason: str = ""  # why it is not genuine, a sentence for the user; empty when it is
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def genuine(self) -> bool:
        return self.signed and self.intact and self.trusted


# ---------------------------------------------------------------------------------------------
# The signing material


@dataclass(frozen=True)
class _Material:
    signer: Any  # a pyhanko SimpleSigner, imported only when signing
    certificate: asn1_x509.Certificate
    bytes_reserved: int


_lock = threading.Lock()
_cache: dict[tuple, _Material] = {}


def _paths() -> tuple[Path, Path, Path | None]:
    chain = settings.PDF_SIGNING_CHAIN_FILE
    return (
        Path(settings.PDF_SIGNING_KEY_FILE),
        Path(settings.PDF_SIGNING_CERT_FILE),
        Path(chain) if chain else None,
    )


def _unavailable(detail: str) -> SigningUnavailable:
    logger.error("PDF signing is unavailable: %s", detail)
    return SigningUnavailable(
        _("学时证明的电子签章尚未配置或无法读取，暂时无法出具证明，请联系管理员。"),
        extra={"detail": detail},
    )


def _material() -> _Material:
    key_path, cert_path, chain_path = _paths()
    try:
        stamp = tuple(
            (str(path), path.stat().st_mtime_ns)
            for path in (key_path, cert_path, chain_path)
            if path is not None and path.exists()
        )
    except OSError as error:
        raise _unavailable(str(error)) from error
    cache_key = (stamp, settings.PDF_SIGNING_KEY_PASSPHRASE)
    if (found := _cache.get(cache_key)) is not None:
        return found
    with _lock:
        if cache_key not in _cache:
            _cache.clear()
            _cache[cache_key] = _load(key_path, cert_path, chain_path)
    return _cache[cache_key]


def signing_problem() -> str:
    """Why PDFs cannot be signed now (a sentence), or "" when they can."""
    try:
        _material()
    except SigningUnavailable as error:
        return str(error.message)
    return ""


def _load(key_path: Path, cert_path: Path, chain_path: Path | None) -> _Material:
    from asn1crypto import tsp
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.sign import signers
    from pyhanko.sign.attributes import SigningCertificateV2Provider
    from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        passphrase = settings.PDF_SIGNING_KEY_PASSPHRASE.encode() or None
        private_key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase)
        certificates = list(load_certs_from_pemder([str(cert_path)]))
        chain = (
            list(load_certs_from_pemder([str(chain_path)]))
            if chain_path is not None and chain_path.is_file()
            else []
        )
    except (OSError, ValueError, TypeError) as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    if len(certificates) != 1:
        raise _unavailable(f"{cert_path} must hold exactly one certificate")
    certificate = certificates[0]
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise _unavailable("the signing key must be an RSA or EC key")
    der_key = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    signing_certificate_v2 = as_signing_certificate_v2(certificate).dump()

    class KeptSigningCertificate(SigningCertificateV2Provider):
        async def build_attr_value(self, dry_run=False):
            # The same DER every time, parsed afresh: asn1crypto then writes it as it is instead
            # of encoding the issuer's name again (7 of the 10 ms a CMS signature took).
            return tsp.SigningCertificateV2.load(signing_certificate_v2)

    class HeldKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner, with the key parsed once instead of at every signature, and the
        signing-certificate-v2 attribute (identical in every signature) encoded once."""

        def _signed_attr_providers(self, *args, **kwargs):
            for provider in super()._signed_attr_providers(*args, **kwargs):
                if isinstance(provider, SigningCertificateV2Provider):
                    yield KeptSigningCertificate(provider.signing_cert)
                else:
                    yield provider

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism == "rsassa_pkcs1v15" and isinstance(private_key, rsa.RSAPrivateKey):
                return private_key.sign(data, PKCS1v15(), hash_algorithm)
            if mechanism == "ecdsa" and isinstance(private_key, ec.EllipticCurvePrivateKey):
                return private_key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    signer = HeldKeySigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    certificates_size = sum(len(cert.dump()) for cert in [certificate, *chain])
    # The CMS holds the certificates, the signature value (at most the key's size, twice that
    # for ECDSA's DER pair) and a few hundred bytes of signed attributes and structure.
    return _Material(
        signer=signer,
        certificate=certificate,
        bytes_reserved=(certificates_size + private_key.key_size // 4 + 4096) // 16 * 16,
    )


_roots_cache: dict[tuple, tuple[asn1_x509.Certificate, ...]] = {}


def _trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The academy's certificate and its CA certificates: what a signature must chain to. Only
    certificates are read, so a host that verifies needs no private key. Empty when unreadable."""
    from pyhanko.keys import load_certs_from_pemder

    _key, cert_path, chain_path = _paths()
    paths = [path for path in (cert_path, chain_path) if path is not None and path.is_file()]
    try:
        stamp = tuple((str(path), path.stat().st_mtime_ns) for path in paths)
        if stamp not in _roots_cache:
            _roots_cache.clear()
            _roots_cache[stamp] = tuple(load_certs_from_pemder([str(path) for path in paths]))
        return _roots_cache[stamp]
    except (OSError, ValueError) as error:
        logger.error("The signing certificates cannot be read: %s", error)
        return ()


def signer_name(certificate: asn1_x509.Certificate) -> str:
    """The signer as a person reads it: organisation and common name of the subject."""
    subject = certificate.subject.native
    parts = [subject.get("organization_name"), subject.get("common_name")]
    return " · ".join(str(part) for part in parts if part) or certificate.subject.human_friendly


# ---------------------------------------------------------------------------------------------
# Signing


def sign_pdf(
    pdf: bytes,
    *,
    reason: str | None = None,
    field_name: str = FIELD_NAME,
    metadata: Mapping[str, str] | None = None,
) -> bytes:
    """``pdf`` certified with the academy's PAdES B-B signature (and ``metadata`` in its Info).

    Raises ``SigningUnavailable`` when the key or certificate cannot be read."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = _material()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if metadata:
        _write_info(writer, metadata, generic)
    signature_meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or settings.PDF_SIGNING_REASON or None,
        location=settings.PDF_SIGNING_LOCATION or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    pdf_signer = signers.PdfSigner(signature_meta, signer=material.signer)
    output = _run(lambda: pdf_signer.async_sign_pdf(writer, bytes_reserved=material.bytes_reserved))
    return output.getvalue()


def _write_info(writer, metadata: Mapping[str, str], generic) -> None:
    for key in metadata:
        if not METADATA_KEY.match(key):
            raise ValueError(f"metadata key {key!r}: letters and digits only, a letter first")
    try:
        reference = writer.trailer.raw_get("/Info")
    except KeyError:
        reference = None
    if isinstance(reference, generic.IndirectObject):
        info = reference.get_object()
    else:
        info = generic.DictionaryObject()
        reference = writer.set_info(info)
    for key, value in metadata.items():
        info[generic.NameObject(f"/{key}")] = generic.TextStringObject(str(value))
    writer.mark_update(reference)


def _run(make_coroutine):
    """Run a pyHanko coroutine from synchronous code, also where an event loop already runs."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


# ---------------------------------------------------------------------------------------------
# Reading and verifying


def read_pdf_metadata(pdf: bytes) -> dict[str, str]:
    """The Info dictionary of the PDF's latest revision, as text (empty for anything unreadable)."""
    try:
        reader = _reader(pdf)
        return _info_of(reader) if reader is not None else {}
    except Exception:  # noqa: BLE001 - hostile bytes may break the parser in any way
        return {}


def _reader(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not isinstance(pdf, bytes | bytearray) or pdf.lstrip()[:5] != b"%PDF-":
        return None
    return PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)


def _info_of(reader) -> dict[str, str]:
    from pyhanko.pdf_utils import generic

    try:
        info = reader.trailer["/Info"]
    except KeyError:
        return {}
    if not isinstance(info, generic.DictionaryObject):
        return {}
    found = {}
    for key, value in info.items():
        if isinstance(value, str):
            found[str(key).lstrip("/")] = str(value)
        elif isinstance(value, bytes):
            found[str(key).lstrip("/")] = value.decode("latin-1")
    return found


def verify_pdf(pdf: bytes) -> SignatureCheck:
    """Whether ``pdf`` is a PDF signed by the academy and unaltered since. Never raises."""
    if not isinstance(pdf, bytes | bytearray) or len(pdf) > MAX_VERIFY_BYTES:
        return SignatureCheck(signed=False, reason=_("文件过大或不是 PDF 文件。"))
    try:
        reader = _reader(pdf)
        signatures = list(reader.embedded_signatures) if reader is not None else []
    except Exception:  # noqa: BLE001 - hostile bytes may break the parser in any way
        reader, signatures = None, []
    if reader is None:
        return SignatureCheck(signed=False, reason=_("这不是一个可以读取的 PDF 文件。"))
    if not signatures:
        return SignatureCheck(signed=False, reason=_("这个 PDF 文件没有数字签名。"))
    try:
        return _check(reader, signatures[0])
    except Exception as error:  # noqa: BLE001
        logger.info("A signature could not be checked: %s: %s", type(error).__name__, error)
        return SignatureCheck(
            signed=True, reason=_("文件中的数字签名已损坏，无法校验，文件可能被改动过。")
        )


def _check(reader, signature) -> SignatureCheck:
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = _trust_roots()
    signed_at = signature.self_reported_timestamp
    context = ValidationContext(
        trust_roots=list(roots),
        allow_fetching=False,
        revocation_mode="soft-fail",
        # A certificate issued years ago is judged as of its signing, not against today's date.
        moment=signed_at,
    )
    status = _run(lambda: async_validate_pdf_signature(signature, context, skip_diff=True))
    sound = bool(status.intact and status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = sound and whole
    trusted = bool(status.trusted) and roots != ()
    if not sound:
        reason = _("文件在签名后被改动过：签名与内容不符。")
    elif not whole:
        reason = _("签名之后文件又被追加或修改过。")
    elif not trusted:
        reason = _("签名不是本平台的证书签发的。")
    else:
        reason = ""
    return SignatureCheck(
        signed=True,
        intact=intact,
        trusted=trusted,
        signer=signer_name(status.signing_cert),
        signed_at=signed_at,
        reason=reason,
        metadata=_info_of(reader) if intact else {},
    )


# ---------------------------------------------------------------------------------------------
# A development pair (``manage.py make_signing_pair``; ``make run`` calls it)


def write_development_pair(
    key_path: Path, cert_path: Path, chain_path: Path, *, organization: str
) -> None:
    """A self-signed development CA and a signing certificate it issued, with the key (mode 600).

    Each file is written to a temporary name and renamed, so a reader never sees half a file."""
    import datetime as dt
    import os
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    while len(organization.encode()) > 64:  # X.509 bounds a name attribute at 64 bytes
        organization = organization[:-1]

    def name(common_name: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    def usage(**granted: bool) -> x509.KeyUsage:
        flags = dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        return x509.KeyUsage(**(flags | granted))

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = name("开发用根证书 (development only)")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("学时证明签章 (development only)"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    contents = {
        key_path: key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert_path: certificate.public_bytes(pem),
        chain_path: ca.public_bytes(pem),
    }
    for path, data in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, data)
        finally:
            os.close(handle)
        os.replace(temporary, path)
