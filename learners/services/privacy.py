"""A learner's rights over her personal data (PIPL arts. 45 and 47), and the retention of files.

``learner_data_export`` gathers everything held on her; ``learner_erase`` deletes or pseudonymises
it, keeping what the law requires for her training archive; ``personal_files_purge`` deletes the
files that hold personal data once their retention period is over. All three read what to do from
the inventory (``portal.privacy``): a field declared there is a field handled here.
"""

import datetime
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateBatch
from enrollment.models import ReceiptStatus, RosterEntry
from learners.models import Enrollment, EnrollmentStatus, Learner, Post
from portal import access, pii, privacy
from portal.errors import PermissionRefused, StateConflict
from portal.models import AuditEvent, Role, User

logger = logging.getLogger(__name__)

EXPORT_FORMAT = 1
# Receipts whose roster may still change: a person on one of their unplaced lines is not erased.
ROSTER_OPEN = (
    ReceiptStatus.DRAFT,
    ReceiptStatus.SUBMITTED,
    ReceiptStatus.RETURNED,
    ReceiptStatus.APPROVED,
)
AXES_MODELS = ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")
ROSTER_FILES_PREFIX = "rosters/"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _field_value(row: models.Model, name: str, handling: privacy.Personal) -> Any:
    model_field = row._meta.get_field(name)
    if model_field.many_to_many:
        return [str(item) for item in getattr(row, name).all()]
    value = getattr(row, name)
    if handling.export == privacy.EXPORT_DECRYPTED:
        return pii.decrypt(value) if value else ""
    if isinstance(model_field, models.FileField):
        return value.name or ""
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        return getattr(row, f"get_{name}_display")()
    return _plain(value)


def _exported(row: models.Model, entry: privacy.ModelInventory) -> dict[str, Any]:
    key_field = row._meta.pk.name  # a token's key is its primary key: a credential, not an id
    hidden = key_field in entry.personal and entry.personal[key_field].export == privacy.NO_EXPORT
    data: dict[str, Any] = {} if hidden else {"id": row.pk}
    for name, handling in entry.personal.items():
        if handling.export == privacy.NO_EXPORT:
            continue
        key = "id_number" if handling.export == privacy.EXPORT_DECRYPTED else name
        data[key] = _field_value(row, name, handling)
    return data


def _her_rows(label: str, entry: privacy.ModelInventory, user: User) -> models.QuerySet:
    model = apps.get_model(label)
    assert entry.owner is not None  # noqa: S101 - learner_models() lists only owned models
    return model._default_manager.filter(**{entry.owner: user.pk}).order_by("pk")


def _her_roster(learner: Learner | None) -> models.QuerySet:
    if learner is None:
        return RosterEntry.objects.none()
    return RosterEntry.objects.filter(id_hash=learner.id_hash).select_related(
        "receipt__institution", "line", "program"
    )


def _her_sign_ins(user: User) -> dict[str, list[dict]]:
    records = {}
    for label in AXES_MODELS:
        entry = privacy.INVENTORY[label]
        rows = apps.get_model(label)._default_manager.filter(username=user.username)
        records[label] = [
            {**_exported(row, entry), "attempt_time": _plain(row.attempt_time)} for row in rows
        ]
    return records


def _legend(records: dict[str, list[dict]]) -> dict[str, dict]:
    """What each record and field is called on the portal (中文), to read the file by."""
    legend = {}
    for label in records:
        meta = apps.get_model(label)._meta
        names = {f.name: str(getattr(f, "verbose_name", f.name)) for f in meta.get_fields()}
        names["id_number"] = _("身份证号")
        legend[label] = {"name": str(meta.verbose_name), "fields": names}
    return legend


def learner_data_export(*, learner: User) -> bytes:
    """A zip of everything held on ``learner`` (a learner's account): ``data.json`` (every record
    of hers the inventory lists, her resident ID number in the clear) and her certificates' PDFs.

    Only ever handed to herself: the view serves it to the signed-in learner, for her account.
    """
    person = Learner.objects.filter(user_id=learner.pk).first()
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "explanation": _(
            "本文件包含平台保存的您的全部个人信息（PIPL 第四十五条）。身份证号仅在本文件中完整显示，请妥善保管。"
        ),
        "records": {},
    }
    files: dict[str, bytes] = {}
    for label, entry in privacy.learner_models().items():
        rows = []
        for row in _her_rows(label, entry, learner):
            exported = _exported(row, entry)
            for name, handling in entry.personal.items():
                if handling.export == privacy.EXPORT_FILE:
                    stored = getattr(row, name)
                    if stored and stored.storage.exists(stored.name):
                        with stored.open("rb") as handle:
                            files[f"files/{stored.name}"] = handle.read()
                        exported[name] = f"files/{stored.name}"
            rows.append(exported)
        data["records"][label] = rows
    roster = privacy.INVENTORY["enrollment.RosterEntry"]
    data["records"]["enrollment.RosterEntry"] = [
        {
            **_exported(row, roster),
            "receipt": row.receipt_id,
            "institution": row.receipt.institution.name,
            "program": row.program.name,
        }
        for row in _her_roster(person)
    ]
    data["records"].update(_her_sign_ins(learner))
    data["legend"] = _legend(data["records"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass
class ErasureResult:
    already: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def erased_username(user: User) -> str:
    return f"erased-{user.pk}"


def is_erased(user: User) -> bool:
    return user.username == erased_username(user)


def _blank(model_field: models.Field) -> Any:
    if isinstance(model_field, models.FileField):
        return ""
    return None if model_field.null else ""


def _erase_fields(queryset: models.QuerySet, entry: privacy.ModelInventory) -> list[str]:
    """Blank or pseudonymise the fields of her kept rows; returns the stored files to delete."""
    files: list[str] = []
    updates: dict[str, Any] = {}
    for name, handling in entry.personal.items():
        model_field = queryset.model._meta.get_field(name)
        if handling.erase == privacy.BLANK:
            updates[name] = _blank(model_field)
        elif handling.erase == privacy.DELETE_FILE:
            files += [n for n in queryset.exclude(**{name: ""}).values_list(name, flat=True) if n]
            updates[name] = ""
    if updates:
        queryset.update(**updates)
    for name, handling in entry.personal.items():
        if handling.erase != privacy.PSEUDONYMISE:
            continue
        if name == "password":
            queryset.update(password=make_password(None))
        elif "{pk}" in handling.replacement:
            for pk in queryset.values_list("pk", flat=True):
                queryset.filter(pk=pk).update(**{name: handling.replacement.format(pk=pk)})
        else:
            queryset.update(**{name: handling.replacement})
    return files


def _check_may_erase(learner: Learner, by: User) -> None:
    if not (access.is_academy(by) and access.can(by, access.VIEW, learner)):
        raise PermissionRefused(
            _("只有学员所在单位对应条线的学院项目负责人或管理员可以删除学员个人信息。")
        )


def _open_roster_lines(learner: Learner) -> list[RosterEntry]:
    return list(
        _her_roster(learner).filter(receipt__status__in=ROSTER_OPEN, line__cohort__isnull=True)
    )


def _delete_sessions(user: User) -> int:
    """Her signed-in sessions (the database engine stores them encoded: each is read)."""
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


@transaction.atomic
def learner_erase(*, learner: Learner, by: User) -> ErasureResult:
    """Erase ``learner``'s personal data on her request, as the inventory decides: delete or
    pseudonymise what is no longer needed, keep her training archive (by law), delete her files,
    end her sessions and close her account. Safe to run twice: the second run changes nothing.

    Refused while a receipt that may still change names her (its school removes her first).
    The audit log records who erased which record, with counts only.
    """
    _check_may_erase(learner, by)
    learner = Learner.objects.select_for_update().select_related("user").get(pk=learner.pk)
    user = learner.user
    if is_erased(user):
        return ErasureResult(already=True)
    open_lines = _open_roster_lines(learner)
    if open_lines:
        receipts = sorted({entry.receipt_id for entry in open_lines})
        raise StateConflict(
            _("该学员仍在未编班的回执名单中（回执 %(receipts)s），请先由单位将其移出名单后再删除。")
            % {"receipts": "、".join(f"#{pk}" for pk in receipts)}
        )
    counts: dict[str, int] = {}
    files: list[str] = []
    # Her posts stay as placeholders so others' replies still read; they leave her places first.
    Post.objects.filter(author=user).update(enrollment=None)
    in_progress = Enrollment.objects.filter(learner=user, status=EnrollmentStatus.IN_PROGRESS)
    counts["places_deleted"] = in_progress.count()
    cohorts = set(Certificate.objects.filter(learner=user).values_list("cohort_id", flat=True))
    in_progress.delete()
    for label, entry in privacy.learner_models().items():
        rows = _her_rows(label, entry, user)
        if entry.rows == "delete":
            counts[label] = rows.count()
            rows.delete()
        else:
            files += _erase_fields(rows, entry)
    roster = _her_roster(learner)
    counts["roster_lines_deleted"] = roster.count()
    roster.delete()
    for label in AXES_MODELS:
        apps.get_model(label)._default_manager.filter(username__in=[user.username]).delete()
    counts["sessions_ended"] = _delete_sessions(user)
    # Archives of her cohorts hold her certificate's PDF among others': deleted, made again on
    # request without hers.
    archives = CertificateBatch.objects.filter(cohort_id__in=cohorts).exclude(archive="")
    files += [name for name in archives.values_list("archive", flat=True) if name]
    archives.update(archive="")
    User.objects.filter(pk=user.pk).update(is_active=False, must_change_password=False)
    counts["files_deleted"] = len(files)
    AuditEvent.objects.create(
        actor=by,
        action="learner.erase",
        content_type=ContentType.objects.get_for_model(Learner),
        object_id=str(learner.pk),
        object_repr=f"#{learner.pk}",
        details={key.replace(".", "_"): value for key, value in counts.items()},
    )
    transaction.on_commit(lambda: _delete_files(files))
    logger.info("learner %s erased by user %s", learner.pk, by.pk)
    return ErasureResult(counts=counts)


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# ---- retention ----


@dataclass
class PurgeResult:
    roster_files: int = 0
    archives: int = 0


def _stored_files(prefix: str):
    """Every file under ``prefix`` of the default storage, with its path."""
    try:
        directories, names = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        yield f"{prefix.rstrip('/')}/{name}"
    for directory in directories:
        yield from _stored_files(f"{prefix.rstrip('/')}/{directory}/")


def personal_files_purge(*, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete the stored files holding personal data whose retention period is over: roster files
    (uploads and error files, under ``rosters/``) after ROSTER_FILE_RETENTION_DAYS, certificate
    archives after CERTIFICATE_ARCHIVE_RETENTION_DAYS (the batch keeps its record, without the
    file). Safe to run any number of times: what is gone stays gone.

    A refused roster's error file lives in the cache, which expires it after
    ROSTER_ERROR_FILE_SECONDS; the uploads themselves are read in the request and never stored.
    """
    now = now or timezone.now()
    result = PurgeResult()
    roster_cutoff = now - datetime.timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS)
    for name in list(_stored_files(ROSTER_FILES_PREFIX)):
        if default_storage.get_modified_time(name) < roster_cutoff:
            default_storage.delete(name)
            result.roster_files += 1
    archive_cutoff = now - datetime.timedelta(days=settings.CERTIFICATE_ARCHIVE_RETENTION_DAYS)
    old = CertificateBatch.objects.exclude(archive="").filter(
        finished_at__lt=archive_cutoff
    ) | CertificateBatch.objects.exclude(archive="").filter(
        finished_at__isnull=True, updated_at__lt=archive_cutoff
    )
    for batch in old:
        name = batch.archive.name or ""
        CertificateBatch.objects.filter(pk=batch.pk, archive=name).update(archive="")
        default_storage.delete(name)
        result.archives += 1
    return result


def learners_erasable_by(user: User) -> models.QuerySet:
    """The person records ``user`` may erase (academy desks: their schools' people)."""
    if not access.is_academy(user):
        return Learner.objects.none()
    return access.scope(user, Learner.objects.all()).filter(user__role=Role.LEARNER)
