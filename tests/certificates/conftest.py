"""Completed places to certify: the world's study program with lessons and an essay, and a person
(name and ID number) behind learner_a; PDFs signed with a development pair."""

from decimal import Decimal

import pytest

from tests.certificates.places import complete, person_of
from tests.factories import LessonFactory


@pytest.fixture(scope="session")
def signing_pair(tmp_path_factory):
    """A development signing pair for the whole run (the academy's real one in production)."""
    from portal.signing import write_development_pair

    directory = tmp_path_factory.mktemp("signing")
    paths = (directory / "key.pem", directory / "cert.pem", directory / "ca.pem")
    write_development_pair(*paths, organization="中国教育干部网络学院")
    return paths


@pytest.fixture(autouse=True)
def signing(settings, signing_pair):
    key, cert, chain = (str(path) for path in signing_pair)
    settings.PDF_SIGNING_KEY_FILE = key
    settings.PDF_SIGNING_CERT_FILE = cert
    settings.PDF_SIGNING_CHAIN_FILE = chain
    return signing_pair


@pytest.fixture
def program(world):
    """Two lessons (one theory) and an essay required; 2 activity hours, counted as theory."""
    program = world.study_cohort.program
    program.require_all_lessons = True
    program.require_essay = True
    program.activity_hours = Decimal("2.0")
    program.activity_hours_theory = True
    program.save()
    LessonFactory(program=program, title="习近平新时代中国特色社会主义思想概论", is_theory=True)
    LessonFactory(
        program=program, title="高校基层党组织工作实务", hours=Decimal("0.5"), is_theory=False
    )
    return program


@pytest.fixture
def person(world):
    return person_of(world.users["learner_a"], world.school_a, "张晓明")


@pytest.fixture
def completed(world, program, person):
    return complete(world.enrollment_a)
