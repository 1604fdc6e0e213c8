from django.db.models import QuerySet

from learners.models import Enrollment
from portal.models import User


def learner_enrollments(*, learner: User) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(learner=learner).select_related("cohort__program")
