"""A seeded resident ID number and mobile number, followed through the whole life of a person on
the portal — a refused roster, an accepted one, approval, placement, study, her certificate, the
payment notice, every page and export of every role, the API — and looked for everywhere they
could leak: HTTP responses (HTML, JSON, xlsx, zip, PDF through pdftotext), log records at DEBUG,
every cache entry, the arguments of every Celery task, emails and the audit log. They may appear
only where the inventory (portal/privacy.py, CLEAR_ID_NUMBER_ROUTES / CLEAR_MOBILE_ROUTES)
allows; the allowed places are checked to hold them, so the scanner itself is proved to see.
"""

import io
import json
import logging
import pickle
import subprocess
import zipfile

import pytest
from celery.signals import before_task_publish, task_prerun
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from certificates.models import Certificate
from courses.models import Cohort
from enrollment.models import Receipt, ReceiptStatus
from enrollment.services import receipt_approve, receipt_submit
from learners.models import Learner
from learners.services import cohort_place_line, learner_password_changed
from portal import privacy
from portal.models import AuditEvent
from portal.pii import check_digit
from tests.certificates.places import complete
from tests.conftest import require_tool
from tests.enrollment.roster_files import line, person, valid_id, xlsx_bytes
from tests.factories import CohortFactory, LessonFactory
from tests.receipts import draft_receipt

pytestmark = pytest.mark.django_db

_FIRST17 = "11010519670829337"
ID = _FIRST17 + check_digit(_FIRST17)
BIRTH = ID[6:14]  # the part the mask hides: it must not show either
MOBILE = "13757246801"
NAME = "欧阳明远"


class Findings:
    """Every place the seeded values were seen, by a label saying what it was."""

    def __init__(self):
        self.id_number: set[str] = set()
        self.mobile: set[str] = set()
        self.scanned: list[str] = []

    def look(self, label: str, text: str) -> None:
        self.scanned.append(label)
        if ID in text or BIRTH in text:
            self.id_number.add(label)
        if MOBILE in text:
            self.mobile.add(label)


def text_of(data: bytes) -> str:
    """What a person could read in ``data``: a zip's (and an xlsx's) members, a PDF's text, a
    pickle's objects, plain text — recursively."""
    if data.startswith(b"%PDF"):
        pdftotext = require_tool("pdftotext")
        done = subprocess.run(  # noqa: S603 - a fixed tool on a test's own file
            [pdftotext, "-", "-"], input=data, capture_output=True, check=True
        )
        return done.stdout.decode(errors="replace")
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(text_of(archive.read(name)) for name in archive.namelist())
    if data.startswith(b"\x80"):
        try:
            value = pickle.loads(data)  # noqa: S301 - the test's own cache
        except Exception:  # noqa: BLE001 - not a pickle after all
            value = None
        if value is not None:
            return text_of_object(value)
    return data.decode(errors="replace")


def text_of_object(value) -> str:
    if isinstance(value, bytes):
        return text_of(value)
    if isinstance(value, dict):
        return "\n".join(text_of_object(k) + "=" + text_of_object(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return "\n".join(text_of_object(v) for v in value)
    return str(value)


def cache_entries() -> list[tuple[str, bytes]]:
    """Every entry of the configured cache: LocMem in tests, or Redis when REDIS_URL is set."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # LocMemCache: key -> pickled value
        return [(key, value) for key, value in backend.items()]
    client = cache._cache.get_client()  # RedisCache
    return [(key.decode(), client.get(key) or b"") for key in client.scan_iter("*")]


@pytest.fixture
def tasks():
    """The arguments of every task sent (published to a broker, or run eagerly)."""
    seen: list[str] = []

    def published(sender=None, body=None, headers=None, **kwargs):
        seen.append(f"{sender} {json.dumps(body, default=str, ensure_ascii=False)} {headers}")

    def started(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
        seen.append(f"{sender} {args!r} {kwargs!r}")

    before_task_publish.connect(published, weak=False)
    task_prerun.connect(started, weak=False)
    yield seen
    before_task_publish.disconnect(published)
    task_prerun.disconnect(started)


def test_the_seeded_id_number_and_mobile_appear_only_where_the_inventory_allows(
    world, client_for, caplog, tasks, django_capture_on_commit_callbacks, settings
):
    caplog.set_level(logging.DEBUG)
    settings.CERTIFICATE_SHOW_FULL_ID = False
    found = Findings()
    staff, coordinator = world.users["staff_a"], world.users["coord_ug"]
    clients = {role: client_for(world.users[role]) for role in world.users}

    def get(role: str, name: str, **kwargs) -> bytes:
        url = reverse(name, kwargs=kwargs)
        response = clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        found.look(f"{role} {name}", text_of(content))
        return content

    # ---- the school files a receipt and uploads its roster: refused once, then accepted ----
    receipt = draft_receipt(world.school_a, staff, people=1, fill_roster=False)
    program = receipt.lines.get().program
    seeded = person(0, name=NAME, id_number=ID, mobile=MOBILE, program=program.name)
    broken = person(1, id_number=valid_id(1)[:-1] + "Y", program=program.name)
    with django_capture_on_commit_callbacks(execute=True):
        for rows in ([line(seeded), line(broken)], [line(seeded)]):
            upload = io.BytesIO(xlsx_bytes(rows))
            upload.name = "名单.xlsx"
            response = clients["staff_a"].post(
                reverse("enrollment:roster-upload", kwargs={"pk": receipt.pk}),
                {"file": upload, "consent": "on"},
                follow=True,
            )
            found.look("staff_a roster-upload", response.content.decode())
            if "error_token" in (response.context or {}):
                get(
                    "staff_a",
                    "enrollment:roster-errors",
                    pk=receipt.pk,
                    token=response.context["error_token"],
                )
        receipt_submit(receipt=receipt, by=staff)
        receipt_approve(receipt=Receipt.objects.get(pk=receipt.pk), by=coordinator)
        cohort = CohortFactory(program=program, name="扫描期次")
        LessonFactory(program=program)
        cohort_place_line(cohort=cohort, line=receipt.lines.get(), by=coordinator)
        person_record = Learner.objects.get(name=NAME)
        program.require_all_lessons = True
        program.save()
        complete(person_record.user.enrollments.get())
    assert Receipt.objects.get(pk=receipt.pk).status == ReceiptStatus.SCHEDULED
    certificate = Certificate.objects.get(learner=person_record.user)
    learner_password_changed(user=person_record.user)  # she chose her own password
    learner_client = client_for(person_record.user)
    clients["her"] = learner_client

    # ---- every page, export and API answer that could show her ----
    for role in ("staff_a", "prov_bj", "coord_ug", "admin"):
        get(role, "enrollment:receipt-detail", pk=receipt.pk)
        get(role, "enrollment:roster-export", pk=receipt.pk)
        get(role, "api:receipt-roster", pk=receipt.pk)
        get(role, "learners:person-hours", pk=person_record.pk)
        get(role, "learners:hours-dashboard")
        get(role, "learners:hours-dashboard-xlsx")
        get(role, "certificates:list")
        get(role, "certificates:export")
        get(role, "certificates:detail", pk=certificate.pk)
        get(role, "certificates:pdf", pk=certificate.pk)
        get(role, "billing:notice-pdf", pk=receipt.pk)
    get("staff_a", "enrollment:credentials-export", pk=receipt.pk)
    get("staff_a", "enrollment:receipt-list")
    for role in ("coord_ug", "admin"):
        get(role, "enrollment:roster-export-full", pk=receipt.pk)
        get(role, "courses:cohort-detail", pk=cohort.pk)
        get(role, "courses:cohort-export", pk=cohort.pk)
        get(role, "api:cohort-enrollments", pk=cohort.pk)
        get(role, "learners:cohort-progress", pk=cohort.pk)
        get(role, "learners:person-erase", pk=person_record.pk)
        get(role, "enrollment:receipt-export")
    get("admin", "admin:learners_learner_changelist")
    get("admin", "admin:learners_learner_change", object_id=person_record.pk)
    get("admin", "admin:portal_user_change", object_id=person_record.user.pk)
    get("admin", "admin:portal_auditevent_changelist")
    for name in ("learners:my-study", "learners:transcript", "learners:transcript-pdf"):
        get("her", name)
    get("her", "learners:transcript-xlsx")
    get("her", "api:me")
    get("her", "certificates:pdf", pk=certificate.pk)
    get("her", "learners:my-data")
    get("her", "learners:my-data-export")
    get("anonymous", "certificates:verify", token=certificate.token)

    # ---- everything else that holds text: logs, cache, task arguments, mail, the audit log ----
    found.look(
        "log", "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    )
    for key, value in cache_entries():
        found.look(f"cache {key}", text_of(value))
    found.look("task arguments", "\n".join(tasks))
    found.look("mail", "\n".join(f"{m.subject}\n{m.body}\n{m.alternatives}" for m in mail.outbox))
    audit = AuditEvent.objects.values_list("object_repr", "comment", "details")
    found.look("audit log", json.dumps(list(audit), ensure_ascii=False))

    assert tasks, "the flow sends tasks (the certificate's), so their arguments were seen"
    assert any(
        label.startswith("cache roster-errors") or "cache" in label for label in found.scanned
    )

    # Only where the inventory allows — and there it is, so the scanner is known to see.
    def routes(labels: set[str]) -> set[str]:
        return {label.split(" ", 1)[1] if " " in label else label for label in labels}

    assert routes(found.id_number) == set(privacy.CLEAR_ID_NUMBER_ROUTES), found.id_number
    assert routes(found.mobile) <= set(privacy.CLEAR_MOBILE_ROUTES), found.mobile
    assert "her learners:my-data-export" in found.mobile
    assert Cohort.objects.filter(pk=cohort.pk).exists()
