"""The one place that decides who may see or change which object.

Views, the API and the admin all ask here: ``scope(user, queryset)`` narrows a queryset to what the
user may see, and ``can(user, action, target)`` answers for one object (or a model, for "add").
Each model is registered with the rule that owns it; a model that is not registered is refused to
everybody but administrators, so a new model cannot leak by being forgotten.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from portal.models import AuditEvent, Role, User

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"

AnyUser = User | AnonymousUser


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_academy(user: AnyUser) -> bool:
    """An academy coordinator of either desk, or an administrator."""
    return is_admin(user) or has_role(user, Role.ACADEMY_COORDINATOR)


def has_role(user: AnyUser, *roles: str) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_active and user.role in roles


def can_use_admin(user: AnyUser) -> bool:
    return is_academy(user)


@dataclass(frozen=True)
class Rule:
    """How one model is guarded.

    ``visible`` builds the Q of rows a user may see (None: nothing); ``actions`` says, per write
    action, who may do it (on top of seeing the object).
    """

    visible: Callable[[AnyUser], Q | None]
    actions: dict[str, Callable[[AnyUser], bool]]


def _everyone(user: AnyUser) -> Q:
    return Q()


def _institution_rows(prefix: str) -> Callable[[AnyUser], Q | None]:
    """Rows that belong to an institution reached through ``prefix`` ('' for Institution itself)."""
    field = f"{prefix}__" if prefix else ""
    pk = f"{prefix}_id" if prefix else "pk"

    def visible(user: AnyUser) -> Q | None:
        if is_admin(user):
            return Q()
        if not isinstance(user, User) or not user.is_active:
            return None
        if user.role == Role.ACADEMY_COORDINATOR:
            return Q(**{f"{field}desk": user.desk})
        if user.role == Role.PROVINCIAL_COORDINATOR:
            return Q(**{f"{field}province_id": user.province_id})
        if user.role == Role.INSTITUTION_STAFF:
            return Q(**{pk: user.institution_id})
        return None

    return visible


def through_institution(user: AnyUser, prefix: str) -> Q | None:
    """The condition for rows of the institutions ``user`` oversees, reached through ``prefix``
    (e.g. ``"user__institution"``): the institution rule applied to another model's rows."""
    return _institution_rows(prefix)(user)


def _admin_only_rows(user: AnyUser) -> Q | None:
    return Q() if is_admin(user) else None


def _academy_rows(user: AnyUser) -> Q | None:
    return Q() if is_academy(user) else None


def _enrollment_rows_through(prefix: str) -> Callable[[AnyUser], Q | None]:
    """Rows of an enrollment reached through ``prefix`` ('' for Enrollment itself): a learner sees
    her own; a school (and its province) the places it enrolled people in, whichever school a
    person belongs to today; the academy all."""
    field = f"{prefix}__" if prefix else ""

    def visible(user: AnyUser) -> Q | None:
        if has_role(user, Role.LEARNER):
            return Q(**{f"{field}learner_id": user.pk})
        if is_academy(user):
            return Q()
        if has_role(user, Role.INSTITUTION_STAFF):
            return Q(**{f"{field}institution_id": user.institution_id})
        if has_role(user, Role.PROVINCIAL_COORDINATOR):
            return Q(**{f"{field}institution__province_id": user.province_id})
        return None

    return visible


_enrollment_rows = _enrollment_rows_through("")


def _learner_and_academy_rows(prefix: str) -> Callable[[AnyUser], Q | None]:
    """A learner's own work (her essay, her exam): herself and the academy that grades it."""
    field = f"{prefix}__" if prefix else ""

    def visible(user: AnyUser) -> Q | None:
        if has_role(user, Role.LEARNER):
            return Q(**{f"{field}learner_id": user.pk})
        return _academy_rows(user)

    return visible


def _cohort_member_rows(prefix: str) -> Callable[[AnyUser], Q | None]:
    """What belongs to a cohort (its topics, live sessions, posts): the academy, and the learners
    who hold a place in it."""

    def visible(user: AnyUser) -> Q | None:
        if is_academy(user):
            return Q()
        if has_role(user, Role.LEARNER):
            from learners.models import Enrollment

            cohorts = Enrollment.objects.filter(learner_id=user.pk).values("cohort_id")
            return Q(**{f"{prefix}__in": cohorts})
        return None

    return visible


def _learner_rows(user: AnyUser) -> Q | None:
    """A learner sees herself; a school (and its province) the people whose school it is today and
    the people it has enrolled; an academy desk the learners of its schools."""
    if has_role(user, Role.LEARNER):
        return Q(user_id=user.pk)
    rows = _institution_rows("user__institution")(user)
    from learners.models import Enrollment

    if rows is None or not has_role(user, Role.INSTITUTION_STAFF, Role.PROVINCIAL_COORDINATOR):
        return rows
    if user.role == Role.INSTITUTION_STAFF:
        enrolled = Enrollment.objects.filter(institution=user.institution_id)
    else:
        enrolled = Enrollment.objects.filter(institution__province=user.province_id)
    return rows | Q(user_id__in=enrolled.values("learner_id"))


def _receipt_rows(user: AnyUser) -> Q | None:
    """The school's receipts; the academy sees them from submission on, drafts stay private."""
    rows = _institution_rows("institution")(user)
    if rows is not None and has_role(user, Role.ACADEMY_COORDINATOR):
        return rows & ~Q(status="draft")
    return rows


def may_receive_credentials(user: AnyUser, receipt) -> bool:
    """Learners' initial passwords go to the school's own staff, who hand them over; nobody else
    needs them (least privilege): not the province that may have filed, not the academy."""
    return has_role(user, Role.INSTITUTION_STAFF) and user.institution_id == receipt.institution_id


def _may_file(user: AnyUser) -> bool:
    """Receipts are filed by a school's staff or its provincial coordinator."""
    return has_role(user, Role.INSTITUTION_STAFF, Role.PROVINCIAL_COORDINATOR)


def _files_or_reviews(user: AnyUser) -> bool:
    return _may_file(user) or is_academy(user)


def _nobody(user: AnyUser) -> bool:
    return False


_RULES: dict[type[Model], Rule] = {}


def register(model: type[Model], rule: Rule) -> None:
    _RULES[model] = rule


def _rule_for(model: type[Model]) -> Rule:
    return _RULES.get(model, Rule(visible=_admin_only_rows, actions={}))


def scope(user: AnyUser, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see."""
    condition = _rule_for(queryset.model).visible(user)
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)


def can(user: AnyUser, action: str, target: Model | type[Model]) -> bool:
    """May ``user`` do ``action`` on ``target`` (an instance, or a model class for list/add)?"""
    model = target if isinstance(target, type) else type(target)
    rule = _rule_for(model)
    if action == VIEW:
        condition = rule.visible(user)
        if condition is None:
            return False
        if isinstance(target, type) or condition == Q():
            return True
        return scope(user, model._default_manager.filter(pk=target.pk)).exists()
    allowed = rule.actions.get(action, _nobody)
    if not allowed(user):
        return False
    if isinstance(target, type):
        return True
    return can(user, VIEW, target)


def register_defaults() -> None:
    """Rules of the models that exist today; later apps register theirs in their AppConfig.ready."""
    from courses.models import Cohort, Program, SimulationStage, SimulationStep
    from enrollment.models import (
        Institution,
        Province,
        Receipt,
        ReceiptLine,
        ReceiptTransition,
        RosterEntry,
    )
    from learners.models import Enrollment, Learner

    catalog = Rule(
        visible=_everyone, actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_admin}
    )
    for model in (Program, SimulationStage, SimulationStep, Province):
        register(model, catalog)
    register(
        Institution,
        Rule(
            visible=_institution_rows(""),
            actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_admin},
        ),
    )
    register(
        Cohort,
        Rule(
            visible=_academy_rows, actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_admin}
        ),
    )
    register(Enrollment, Rule(visible=_enrollment_rows, actions={ADD: is_academy}))
    register(
        Receipt,
        Rule(
            visible=_receipt_rows,
            actions={ADD: _may_file, CHANGE: _files_or_reviews, DELETE: is_admin},
        ),
    )
    receipt_part = Rule(visible=_institution_rows("receipt__institution"), actions={})
    for part in (ReceiptLine, ReceiptTransition, RosterEntry):
        register(part, receipt_part)
    register(Learner, Rule(visible=_learner_rows, actions={}))
    _register_learning()
    register(AuditEvent, Rule(visible=_academy_rows, actions={}))
    register(User, Rule(visible=_admin_only_rows, actions={ADD: is_admin, CHANGE: is_admin}))
    _register_certificates()
    _register_billing_ledger()
    _register_billing_invoices()
    _register_billing_quotes()


def _register_learning() -> None:
    """Program content and what learners do with it (the learning issue's models)."""
    from courses.models import (
        Choice,
        DiscussionTopic,
        HourBand,
        Lesson,
        LiveSession,
        Question,
        SimulationOption,
    )
    from learners.models import (
        AttemptAnswer,
        Attendance,
        Essay,
        Evaluation,
        ExamAttempt,
        HourEntry,
        HourReminder,
        LessonProgress,
        LessonRating,
        Post,
        StepProgress,
    )

    content = Rule(
        visible=_everyone, actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_academy}
    )
    model: type[Model]
    for model in (Lesson, HourBand):
        register(model, content)
    # The bank's answers and a decision's right option are the academy's: learners meet them only
    # through the exam and the simulation services, which never show an answer before it counts.
    secret = Rule(
        visible=_academy_rows, actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_academy}
    )
    for model in (Question, Choice, SimulationOption):
        register(model, secret)
    for model in (DiscussionTopic, LiveSession):
        register(
            model,
            Rule(
                visible=_cohort_member_rows("cohort_id"),
                actions={ADD: is_academy, CHANGE: is_academy, DELETE: is_academy},
            ),
        )
    register(Post, Rule(visible=_cohort_member_rows("topic__cohort_id"), actions={}))
    # Progress a school follows for its people: watched lessons, attendance, simulation steps.
    for model in (LessonProgress, Attendance, StepProgress):
        register(model, Rule(visible=_enrollment_rows_through("enrollment"), actions={}))
    # A learner's own writing and answers: herself and the academy.
    for model in (Essay, ExamAttempt, Evaluation):
        register(model, Rule(visible=_learner_and_academy_rows("enrollment"), actions={}))
    register(
        AttemptAnswer, Rule(visible=_learner_and_academy_rows("attempt__enrollment"), actions={})
    )
    register(
        LessonRating, Rule(visible=_learner_and_academy_rows("evaluation__enrollment"), actions={})
    )
    register(HourEntry, Rule(visible=_hour_entry_rows, actions={}))
    register(HourReminder, Rule(visible=_hour_entry_rows, actions={}))


def _hour_entry_rows(user: AnyUser) -> Q | None:
    """A person's training archive: herself, the school she belongs to today (and its province),
    the academy desk of that school."""
    if has_role(user, Role.LEARNER):
        return Q(learner__user_id=user.pk)
    return _institution_rows("learner__user__institution")(user)


def _certificate_batch_rows(user: AnyUser) -> Q | None:
    """A cohort batch: the academy all; a school those made for it (by anyone of its staff); a
    province those of its schools."""
    if is_academy(user):
        return Q()
    if has_role(user, Role.INSTITUTION_STAFF):
        return Q(institution_id=user.institution_id)
    if has_role(user, Role.PROVINCIAL_COORDINATOR):
        return Q(institution__province_id=user.province_id)
    return None


def _register_certificates() -> None:
    """Study-hour certificates: seen like their enrollment (the learner her own, the school that
    enrolled her and its province, the academy); issued, revoked and reinstated by the academy."""
    from certificates.models import Certificate, CertificateBatch

    register(
        Certificate,
        Rule(
            visible=_enrollment_rows_through("enrollment"),
            actions={ADD: is_academy, CHANGE: is_academy},
        ),
    )
    register(CertificateBatch, Rule(visible=_certificate_batch_rows, actions={}))


def _school_staff_or_academy(user: AnyUser) -> bool:
    return has_role(user, Role.INSTITUTION_STAFF) or is_academy(user)


def _register_billing_invoices() -> None:
    """Invoices: seen like their receipt (the school, its province, its academy desk; no learner);
    requested by the school's staff or the academy, recorded by the academy."""
    from billing.models import Invoice

    register(
        Invoice,
        Rule(
            visible=_institution_rows("receipt__institution"),
            actions={ADD: _school_staff_or_academy, CHANGE: is_academy},
        ),
    )


def _register_billing_ledger() -> None:
    """Money received (the ledger) is seen like its receipt: the school, its province, the desk;
    learners see no money. Bank statements are the academy's; only academy coordinators record
    entries and import statements."""
    from billing.models import BankStatement, LedgerEntry, StatementLine

    register(
        LedgerEntry,
        Rule(visible=_institution_rows("receipt__institution"), actions={ADD: is_academy}),
    )
    statements = Rule(visible=_academy_rows, actions={ADD: is_academy, CHANGE: is_academy})
    register(BankStatement, statements)
    register(StatementLine, statements)


def _register_billing_quotes() -> None:
    """Quotes are seen like their receipt (the school, its province, its desk; no learner); they
    are written only by the services. Negotiated fees are entered by the academy."""
    from billing.models import NegotiatedFee, Quote, QuoteLine

    register(Quote, Rule(visible=_institution_rows("receipt__institution"), actions={}))
    register(QuoteLine, Rule(visible=_institution_rows("quote__receipt__institution"), actions={}))
    register(
        NegotiatedFee,
        Rule(
            visible=_institution_rows("line__receipt__institution"),
            actions={ADD: is_academy, CHANGE: is_academy},
        ),
    )
