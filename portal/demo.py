"""The demo data set that ``make run`` loads: idempotent, so running it twice changes nothing.

Every account's password is DEMO_PASSWORD; it is for trying the portal on one's own machine only.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import Cohort, Program
from courses.services import cohort_create
from enrollment.models import Institution, InstitutionType, Province, desk_for_type
from learners.models import Enrollment
from learners.services import enrollment_create
from portal.models import Desk, Role, User

DEMO_PASSWORD = "demo-2026-portal"  # noqa: S105 - a documented demo credential

INSTITUTIONS = [
    ("4111099001", "北京示范大学", InstitutionType.UNDERGRADUATE, "11"),
    ("4111099002", "北京示范职业技术学院", InstitutionType.VOCATIONAL, "11"),
    ("4132099001", "江苏示范大学", InstitutionType.UNDERGRADUATE, "32"),
    ("4132099002", "江苏示范职业技术学院", InstitutionType.VOCATIONAL, "32"),
    ("4132099003", "江苏民办示范学院", InstitutionType.PRIVATE, "32"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str


def _user(username: str, full_name: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, **fields}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    institutions = {}
    for code, name, kind, province_code in INSTITUTIONS:
        institutions[code], _ = Institution.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "type": kind,
                "desk": desk_for_type(kind),
                "province": Province.objects.get(code=province_code),
            },
        )
    logins = []

    admin = _user("admin", "系统管理员", is_staff=True, is_superuser=True)
    logins.append(DemoLogin(admin.username, "系统管理员（全部权限）"))
    for username, name, desk in [
        ("coord-ug", "袁老师", Desk.UNDERGRADUATE),
        ("coord-voc", "王老师", Desk.VOCATIONAL),
    ]:
        _user(username, name, role=Role.ACADEMY_COORDINATOR, desk=desk, is_staff=True)
        logins.append(DemoLogin(username, f"学院项目负责人（{desk.label}条线）"))
    for username, name, province_code in [
        ("prov-bj", "北京市委教育工委联络员", "11"),
        ("prov-js", "江苏省委教育工委联络员", "32"),
    ]:
        province = Province.objects.get(code=province_code)
        _user(username, name, role=Role.PROVINCIAL_COORDINATOR, province=province)
        logins.append(DemoLogin(username, f"省级统筹（{province.name}）"))
    for index, code in enumerate(institutions, start=1):
        institution = institutions[code]
        username = f"school-{index}"
        _user(
            username,
            f"{institution.name}组织部联系人",
            role=Role.INSTITUTION_STAFF,
            institution=institution,
        )
        logins.append(DemoLogin(username, f"参训单位联系人（{institution.name}）"))

    program = Program.objects.get(code="party-affairs-staff")
    cohort = Cohort.objects.filter(program=program, name="2026年第1期").first()
    if cohort is None:
        today = timezone.localdate()
        cohort = cohort_create(
            program=program,
            name="2026年第1期",
            start_date=today - timedelta(days=14),
            end_date=today + timedelta(days=30),
            capacity=100,
            coordinator=User.objects.get(username="coord-ug"),
            by=admin,
        )
    school = institutions["4111099001"]
    for number, name in enumerate(["张明", "李华", "王芳", "赵磊", "陈静"], start=1):
        learner = _user(f"learner-{number}", name, role=Role.LEARNER, institution=school)
        if not Enrollment.objects.filter(cohort=cohort, learner=learner).exists():
            enrollment_create(cohort=cohort, learner=learner, by=admin)
    logins.append(DemoLogin("learner-1", f"学员（{school.name}，{cohort}）"))
    return logins
