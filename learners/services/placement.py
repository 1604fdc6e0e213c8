import secrets

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from enrollment.models import ReceiptLine, ReceiptStatus, RosterEntry
from enrollment.services import receipt_mark_scheduled
from learners.models import Enrollment, Learner
from learners.services.hours import learners_categorised
from learners.services.privacy import is_erased
from portal import access, pii
from portal.errors import PermissionRefused, StateConflict
from portal.models import Role, User
from portal.services import audit_record

ERROR_ALREADY_ENROLLED = _("该学员已在此期次中。")
ERROR_OVER_CAPACITY = _("该期次还剩 %(left)s 个名额，本回执班次有 %(needed)s 人，不能全部编入。")
ERROR_NOT_APPROVED = _("只有已通过审核的回执才能编班。")
ERROR_WRONG_PROGRAM = _("回执班次「%(line)s」与期次的培训班次「%(cohort)s」不一致。")
ERROR_ALREADY_PLACED = _("该回执班次已编入期次「%(cohort)s」。")
ERROR_NOT_COORDINATOR = _("只有学院项目负责人可以编班。")

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - no look-alike characters
USERNAME_DIGITS = 9


def _new_usernames(count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        wanted = count - len(names)
        candidates = {
            f"xy{secrets.randbelow(10**USERNAME_DIGITS):0{USERNAME_DIGITS}d}"
            for _ in range(wanted * 2)
        }
        taken = set(User.objects.filter(username__in=candidates).values_list("username", flat=True))
        names |= set(list(candidates - taken)[:wanted])
    return sorted(names)


def new_initial_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(10))


def learners_for_roster(
    entries: list[RosterEntry], *, institution_id: int, by: User
) -> dict[str, Learner]:
    """The learner of every roster person, by ID hash: found again, or created with an account.

    A new account has no usable password hash: the learner signs in once with the initial password
    (kept encrypted for the hand-over export of the school that opened it, ``issued_by``) and must
    then choose her own. A person found again keeps her account and its password; when another
    school enrolls her, that school becomes hers (she has moved), which the audit log records.
    """
    by_hash = {entry.id_hash: entry for entry in entries}
    learners = {
        learner.id_hash: learner
        for learner in Learner.objects.select_related("user").filter(id_hash__in=by_hash)
    }
    moved = [
        learner.user
        for learner in learners.values()
        if learner.user.institution_id != institution_id
    ]
    for user in moved:
        audit_record(
            actor=by,
            action="learner.move",
            target=user,
            details={"from_institution": user.institution_id, "to_institution": institution_id},
        )
        user.institution_id = institution_id
    User.objects.bulk_update(moved, ["institution"])
    _reopen_erased(
        [learner for learner in learners.values() if is_erased(learner.user)],
        by_hash,
        institution_id=institution_id,
        by=by,
    )
    missing = [entry for h, entry in by_hash.items() if h not in learners]
    if missing:
        unusable = make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    username=username,
                    full_name=entry.name,
                    mobile=entry.mobile,
                    role=Role.LEARNER,
                    institution_id=institution_id,
                    password=unusable,
                    must_change_password=True,
                )
                for username, entry in zip(_new_usernames(len(missing)), missing, strict=True)
            ]
        )
        created = Learner.objects.bulk_create(
            [
                Learner(
                    user=user,
                    name=entry.name,
                    id_encrypted=entry.id_encrypted,
                    id_hash=entry.id_hash,
                    id_masked=entry.id_masked,
                    initial_password_encrypted=pii.encrypt(new_initial_password()),
                    issued_by_id=institution_id,
                )
                for user, entry in zip(users, missing, strict=True)
            ]
        )
        for learner, user in zip(created, users, strict=True):
            learner.user = user
            learners[learner.id_hash] = learner
    learners_categorised(
        [(learners[h], entry.post, entry.party_status) for h, entry in by_hash.items()]
    )
    return learners


def _reopen_erased(
    learners: list[Learner], by_hash: dict[str, RosterEntry], *, institution_id: int, by: User
) -> None:
    """A person whose data was erased on her request, enrolled again by a school: her closed account
    is opened afresh (a new login and initial password, the roster's name and mobile), while her kept
    hour archive stays hers. The audit log records it, without personal data."""
    for learner in learners:
        entry, user = by_hash[learner.id_hash], learner.user
        user.username = _new_usernames(1)[0]
        user.full_name, user.mobile = entry.name, entry.mobile
        user.password = make_password(None)
        user.is_active, user.must_change_password = True, True
        user.save(
            update_fields=[
                "username",
                "full_name",
                "mobile",
                "password",
                "is_active",
                "must_change_password",
            ]
        )
        learner.initial_password_encrypted = pii.encrypt(new_initial_password())
        learner.issued_by_id = institution_id
        learner.save(update_fields=["initial_password_encrypted", "issued_by"])
        audit_record(actor=by, action="learner.reopen", target=user, details={})


@transaction.atomic
def cohort_place_line(*, cohort: Cohort, line: ReceiptLine, by: User) -> int:
    """Put every person of an approved receipt line into ``cohort``; returns how many.

    The cohort is locked first, so capacity holds when coordinators place lines at the same time.
    The receipt becomes scheduled when its last line is placed.
    """
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_COORDINATOR))
    cohort = Cohort.objects.select_for_update().select_related("program").get(pk=cohort.pk)
    line = (
        ReceiptLine.objects.select_for_update(of=("self",))
        .select_related("receipt__institution", "program", "cohort")
        .get(pk=line.pk)
    )
    if not access.can(by, access.VIEW, line.receipt):
        raise PermissionRefused(str(ERROR_NOT_COORDINATOR))
    if line.receipt.status != ReceiptStatus.APPROVED:
        raise StateConflict(str(ERROR_NOT_APPROVED))
    if line.cohort is not None:
        raise StateConflict(str(ERROR_ALREADY_PLACED % {"cohort": line.cohort.name}))
    if line.program_id != cohort.program_id:
        raise StateConflict(
            str(ERROR_WRONG_PROGRAM % {"line": line.program.name, "cohort": cohort.program.name})
        )
    entries = list(line.roster.all())
    left = cohort.capacity - Enrollment.objects.filter(cohort=cohort).count()
    if len(entries) > left:
        raise StateConflict(str(ERROR_OVER_CAPACITY % {"left": left, "needed": len(entries)}))
    school = line.receipt.institution_id
    learners = learners_for_roster(entries, institution_id=school, by=by)
    try:
        with transaction.atomic():
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        cohort=cohort, learner=learners[e.id_hash].user, institution_id=school
                    )
                    for e in entries
                ]
            )
    except IntegrityError as exc:
        raise StateConflict(str(ERROR_ALREADY_ENROLLED)) from exc
    line.cohort = cohort
    line.save(update_fields=["cohort"])
    audit_record(
        actor=by,
        action="cohort.place",
        target=cohort,
        details={"receipt": line.receipt_id, "program": line.program.code, "people": len(entries)},
    )
    if not line.receipt.lines.filter(cohort__isnull=True).exists():
        receipt_mark_scheduled(receipt=line.receipt, by=by)
    return len(entries)


@transaction.atomic
def learner_password_changed(*, user: User) -> None:
    """The learner chose her own password: the initial one stops working and is forgotten."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    Learner.objects.filter(user=user).update(initial_password_encrypted="")
    user.must_change_password = False
