from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from learners.models import Enrollment
from portal.errors import ApplicationError
from portal.models import Role, User
from portal.services import audit_record

ERROR_COHORT_FULL = _("该期次已满员（容量 %(capacity)s 人）。")
ERROR_ALREADY_ENROLLED = _("该学员已在此期次中。")
ERROR_NOT_A_LEARNER = _("只有学员账号可以编入期次。")


@transaction.atomic
def enrollment_create(*, cohort: Cohort, learner: User, by: User | None) -> Enrollment:
    """Put ``learner`` into ``cohort``; the cohort row is locked so capacity holds under concurrency."""
    if learner.role != Role.LEARNER:
        raise ApplicationError(str(ERROR_NOT_A_LEARNER))
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if Enrollment.objects.filter(cohort=locked).count() >= locked.capacity:
        raise ApplicationError(str(ERROR_COHORT_FULL % {"capacity": locked.capacity}))
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(cohort=locked, learner=learner)
    except IntegrityError as exc:
        raise ApplicationError(str(ERROR_ALREADY_ENROLLED)) from exc
    audit_record(actor=by, action="enrollment.create", target=enrollment)
    return enrollment
