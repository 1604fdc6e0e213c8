import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from courses.models import Cohort, Program
from enrollment.models import Institution, InstitutionType, Province, desk_for_type
from portal.models import Desk, Role, User

PASSWORD = "correct-horse-battery-staple"


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试大学{n}")
    code = factory.Sequence(lambda n: f"41{n:08d}")
    type = InstitutionType.UNDERGRADUATE
    desk = factory.LazyAttribute(lambda o: desk_for_type(o.type))
    province = factory.LazyFunction(lambda: Province.objects.get(code="11"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class StaffFactory(UserFactory):
    role = Role.INSTITUTION_STAFF
    institution = factory.SubFactory(InstitutionFactory)


class LearnerFactory(UserFactory):
    role = Role.LEARNER
    institution = factory.SubFactory(InstitutionFactory)


class ProvincialCoordinatorFactory(UserFactory):
    role = Role.PROVINCIAL_COORDINATOR
    province = factory.LazyFunction(lambda: Province.objects.get(code="11"))


class AcademyCoordinatorFactory(UserFactory):
    role = Role.ACADEMY_COORDINATOR
    desk = Desk.UNDERGRADUATE
    is_staff = True


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.LazyFunction(lambda: Program.objects.get(code="party-affairs-staff"))
    name = factory.Sequence(lambda n: f"第{n}期")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=14))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=45))
    capacity = 30
