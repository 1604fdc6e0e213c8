"""The hour ledger (电子培训档案): entries of a person's training hours, and her requirement.

A completed enrollment of this portal becomes one entry, once (``hour_entry_record_completion``,
run when ``enrollment_completed`` is sent). Who must reach what is derived from the roster when she
is enrolled (``hour_category_for``) until her school corrects it
(``learner_hour_profile_update``), after which the school's word stands.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import PartyStatus
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    HourCategory,
    HourEntry,
    HourSource,
    Learner,
)
from portal import access
from portal.errors import PermissionRefused, validate_instance
from portal.models import Role, User
from portal.services import audit_record

PORTAL_PLATFORM = "高校党建网络培训平台"
MEMBERS = {PartyStatus.MEMBER, PartyStatus.PROBATIONARY}


def hour_category_for(*, post: str, party_status: str) -> str:
    """The requirement a roster line implies: a party member who is a branch (or other grassroots
    organisation) secretary has the secretaries' 280 h; another member the members' 160 h;
    activists and candidates, not yet members, have none."""
    if party_status not in MEMBERS:
        return HourCategory.NONE
    if "书记" in post:
        return HourCategory.SECRETARY
    return HourCategory.MEMBER


def learners_categorised(pairs: list[tuple[Learner, str, str]]) -> None:
    """Set each (learner, post, party status)'s derived category, unless her school corrected it."""
    changed = []
    for learner, post, party_status in pairs:
        if learner.hour_category_corrected:
            continue
        category = hour_category_for(post=post, party_status=party_status)
        if learner.hour_category != category:
            learner.hour_category = category
            changed.append(learner)
    Learner.objects.bulk_update(changed, ["hour_category"])


def hour_entry_record_completion(*, enrollment_id: int) -> HourEntry | None:
    """The ledger entry of a completed enrollment: made once, however often this runs (two
    workers at once included); None when the place is not complete or has no person behind it."""
    enrollment = (
        Enrollment.objects.select_related("cohort__program", "learner__learner")
        .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED)
        .first()
    )
    person = getattr(enrollment.learner, "learner", None) if enrollment else None
    if (
        enrollment is None
        or person is None
        or enrollment.hours_earned is None
        or enrollment.theory_hours_earned is None
        or enrollment.hours_earned <= 0  # a program that earns no hours has nothing to record
    ):
        return None
    existing = HourEntry.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    completed_at = enrollment.completed_at or timezone.now()
    entry = HourEntry(
        learner=person,
        source=HourSource.PORTAL,
        enrollment=enrollment,
        title=f"{enrollment.cohort.program.name}（{enrollment.cohort.name}）"[:120],
        platform=PORTAL_PLATFORM,
        completed_on=timezone.localdate(completed_at),
        hours=enrollment.hours_earned,
        theory_hours=enrollment.theory_hours_earned,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return HourEntry.objects.get(enrollment=enrollment)
    return entry


ERROR_NOT_HER_SCHOOL = _("只有学员所在单位或学院可以确认其学时要求。")


def learner_hour_profile_update(
    *, learner: Learner, by: User, category: str, exempt: bool, reason: str = ""
) -> Learner:
    """Her school (or the academy) says which requirement applies, or that she is exempt."""
    school = access.has_role(by, Role.INSTITUTION_STAFF) and (
        by.institution_id == learner.user.institution_id
    )
    if not (school or access.is_academy(by)):
        raise PermissionRefused(ERROR_NOT_HER_SCHOOL)
    learner.hour_category = category
    learner.hour_exempt = exempt
    learner.hour_exempt_reason = reason.strip() if exempt else ""
    validate_instance(learner, exclude=["user", "issued_by"])
    learner.hour_category_corrected = True
    with transaction.atomic():
        learner.save(
            update_fields=[
                "hour_category",
                "hour_exempt",
                "hour_exempt_reason",
                "hour_category_corrected",
                "updated_at",
            ]
        )
        audit_record(
            actor=by,
            action="learner.hours_profile",
            target=learner.user,
            details={"category": category, "exempt": exempt},
        )
    return learner
