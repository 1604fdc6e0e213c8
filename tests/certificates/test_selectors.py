"""Who sees which certificate, a place's certificate state, and what the public may learn: the
status, a masked name, the program, hours, period, issuer and serial; never an ID number."""

import dataclasses

import pytest

from certificates.selectors import (
    CertificateState,
    certificate_get,
    certificate_public_by_serial,
    certificate_public_by_token,
    certificate_states,
    certificates_visible,
)
from certificates.services import certificate_issue, certificate_render, certificate_revoke
from portal.pii import mask_name
from tests.certificates.places import ID_NUMBER, complete
from tests.factories import EnrollmentFactory


@pytest.fixture
def certificate(completed):
    return certificate_issue(enrollment_id=completed.pk)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("learner_a", True),
        ("staff_a", True),
        ("prov_bj", True),
        ("coord_ug", True),
        ("coord_voc", True),
        ("admin", True),
        ("staff_b", False),
        ("anonymous", False),
    ],
)
def test_each_role_sees_the_certificates_of_its_scope(world, certificate, role, sees):
    user = world.users[role]

    assert list(certificates_visible(user=user)) == ([certificate] if sees else [])
    if sees:
        assert certificate_get(user=user, pk=certificate.pk) == certificate


def test_a_learner_does_not_see_anothers_certificate(world, program, certificate):
    other = complete(EnrollmentFactory(cohort=world.study_cohort))
    theirs = certificate_issue(enrollment_id=other.pk)

    assert list(certificates_visible(user=world.users["learner_a"])) == [certificate]
    with pytest.raises(type(theirs).DoesNotExist):
        certificate_get(user=world.users["learner_a"], pk=theirs.pk)


@pytest.mark.parametrize("pk", [0, -5, 2**63, 10**40])
def test_an_id_no_row_can_have_is_not_found_without_a_query(world, pk, django_assert_num_queries):
    from certificates.models import Certificate

    with django_assert_num_queries(0), pytest.raises(Certificate.DoesNotExist):
        certificate_get(user=world.users["admin"], pk=pk)


def test_the_coordinators_list_filters(world, certificate):
    admin = world.users["admin"]
    assert list(certificates_visible(user=admin, cohort_id=world.study_cohort.pk)) == [certificate]
    assert list(certificates_visible(user=admin, cohort_id=world.cohort.pk)) == []
    assert list(certificates_visible(user=admin, status="revoked")) == []
    assert list(certificates_visible(user=admin, status="nonsense")) == []
    assert list(certificates_visible(user=admin, search=certificate.serial)) == [certificate]
    assert list(certificates_visible(user=admin, search="晓明")) == [certificate]
    assert list(certificates_visible(user=admin, institution_id=world.school_b.pk)) == []
    assert list(certificates_visible(user=admin, cohort_id=2**64)) == []


def test_a_places_state_goes_from_none_to_preparing_to_ready_to_revoked(world, program, person):
    enrollment = world.enrollment_a
    assert (
        certificate_states(enrollments=[enrollment])[enrollment.pk].state == CertificateState.NONE
    )

    complete(enrollment)
    state = certificate_states(enrollments=[enrollment])[enrollment.pk]
    assert state.state == CertificateState.PREPARING
    assert state.label == "学时证明生成中"

    certificate = certificate_render(certificate=certificate_issue(enrollment_id=enrollment.pk))
    assert (
        certificate_states(enrollments=[enrollment])[enrollment.pk].state == CertificateState.READY
    )

    certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason="信息有误")
    state = certificate_states(enrollments=[enrollment])[enrollment.pk]
    assert state.state == CertificateState.REVOKED
    assert state.certificate == certificate


def test_states_cost_one_query_for_any_number_of_places(world, program, django_assert_num_queries):
    places = [EnrollmentFactory(cohort=world.study_cohort) for _ in range(5)]

    with django_assert_num_queries(1):
        certificate_states(enrollments=places)


# ---- the public ----


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张晓明", "张*明"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "*"),
        ("𠮷䶮𡒄", "𠮷*𡒄"),
    ],
)
def test_a_name_is_masked_for_the_public(name, masked):
    assert mask_name(name) == masked


def test_the_public_learns_the_facts_by_token_or_serial_and_nothing_personal(
    world, certificate, person
):
    by_token = certificate_public_by_token(certificate.token)
    by_serial = certificate_public_by_serial(certificate.serial)

    assert by_token == by_serial
    assert by_token.is_valid
    assert by_token.masked_name == "张*明"
    assert by_token.program_name == world.study_cohort.program.name
    assert by_token.serial == certificate.serial
    assert by_token.hours == certificate.hours
    assert by_token.issuer == "中国教育干部网络学院"
    everything = repr(dataclasses.asdict(by_token))
    for private in (ID_NUMBER, person.id_masked, "张晓明", world.school_a.name, certificate.token):
        assert private not in everything


def test_a_serial_typed_on_a_phone_is_found(certificate):
    typed = " " + certificate.serial.replace("-", "－").translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )

    assert certificate_public_by_serial(typed).serial == certificate.serial


def test_a_revoked_certificate_says_so_with_its_reason(world, certificate):
    certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason="学时记录有误")

    public = certificate_public_by_token(certificate.token)

    assert not public.is_valid
    assert public.status_label == "已撤销"
    assert public.revoked_reason == "学时记录有误"


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 65, "../../etc/passwd", "a b c d e f g h i j k l m n", "ok" * 16]
)
def test_an_unknown_or_malformed_token_finds_nothing(certificate, token):
    assert certificate_public_by_token(token) is None


@pytest.mark.parametrize("serial", ["", "2026-1", "2026-0000001' OR 1=1", "1999-000001", "x" * 500])
def test_an_unknown_or_malformed_serial_finds_nothing(certificate, serial):
    assert certificate_public_by_serial(serial) is None


def test_a_malformed_lookup_costs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert certificate_public_by_token("../../x") is None
        assert certificate_public_by_serial("drop table") is None
