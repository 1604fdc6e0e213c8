import os
import shutil
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.test import Client

from courses.models import Program
from enrollment.models import InstitutionType, Province
from portal.models import Desk
from tests.factories import (
    AcademyCoordinatorFactory,
    AdminFactory,
    CohortFactory,
    EnrollmentFactory,
    InstitutionFactory,
    LearnerFactory,
    ProvincialCoordinatorFactory,
    StaffFactory,
)
from tests.receipts import submitted_receipt
from tests.storage import s3_server, s3_storage  # noqa: F401 - fixtures for every test

ROLES = [
    "anonymous",
    "staff_a",
    "staff_b",
    "prov_bj",
    "coord_ug",
    "coord_voc",
    "learner_a",
    "admin",
]


@pytest.fixture(scope="session", autouse=True)
def academy_signing_pair(tmp_path_factory):
    """A development signing pair for the whole run (the academy's real one in production), set
    in the settings and in the environment a test's Celery worker inherits: every test that
    completes a place may issue a signed certificate."""
    from django.conf import settings

    from portal.signing import write_development_pair

    directory = tmp_path_factory.mktemp("signing")
    paths = (directory / "key.pem", directory / "cert.pem", directory / "ca.pem")
    write_development_pair(*paths, organization="中国教育干部网络学院")
    names = ("PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CERT_FILE", "PDF_SIGNING_CHAIN_FILE")
    for name, value in zip(names, paths, strict=True):
        setattr(settings, name, str(value))
        os.environ[name] = str(value)
    return paths


@pytest.fixture
def world(db):
    return build_world()


def build_world():
    """Two schools in two provinces on two desks, and one user of every role.

    staff_a, learner_a and prov_bj belong with school_a (本科, 北京); staff_b with school_b (高职, 江苏).
    """
    beijing = Province.objects.get(code="11")
    jiangsu = Province.objects.get(code="32")
    school_a = InstitutionFactory(name="北京测试大学", province=beijing)
    school_b = InstitutionFactory(
        name="江苏测试职业技术学院", type=InstitutionType.VOCATIONAL, province=jiangsu
    )
    users = {
        "anonymous": AnonymousUser(),
        "staff_a": StaffFactory(username="staff_a", institution=school_a),
        "staff_b": StaffFactory(username="staff_b", institution=school_b),
        "prov_bj": ProvincialCoordinatorFactory(username="prov_bj", province=beijing),
        "coord_ug": AcademyCoordinatorFactory(username="coord_ug", desk=Desk.UNDERGRADUATE),
        "coord_voc": AcademyCoordinatorFactory(username="coord_voc", desk=Desk.VOCATIONAL),
        "learner_a": LearnerFactory(username="learner_a", institution=school_a),
        "admin": AdminFactory(username="admin"),
    }
    receipt_a = submitted_receipt(school_a, users["staff_a"], people=1)
    receipt_a.seal_scan.save("seal.pdf", ContentFile(b"%PDF-1.4 stamped receipt"))
    cohort = CohortFactory(program=Program.objects.get(code="party-affairs-staff"))
    # learner_a studies in a cohort of her own (so the one above starts empty), enrolled by school_a.
    study_cohort = CohortFactory(program=cohort.program, name="学习中的期次")
    enrollment_a = EnrollmentFactory(
        cohort=study_cohort, learner=users["learner_a"], institution=school_a
    )
    return SimpleNamespace(
        beijing=beijing,
        jiangsu=jiangsu,
        school_a=school_a,
        school_b=school_b,
        users=users,
        receipt_a=receipt_a,
        cohort=cohort,
        study_cohort=study_cohort,
        enrollment_a=enrollment_a,
    )


@pytest.fixture
def client_for(db):
    """A new test client signed in as the given user (or anonymous): one browser per person."""

    def make(user):
        client = Client()
        if user.is_authenticated:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


def require_tool(command: str) -> str:
    """The path of a command the test needs; skips without it, or fails where CI demands it."""
    path = shutil.which(command)
    if path is None:
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail(f"{command} is missing (scripts/system-packages test installs it)")
        pytest.skip(f"{command} is not installed")
    return path
