import pytest
from django.db import IntegrityError, transaction

from enrollment.models import Institution, InstitutionType, Province
from enrollment.selectors import institution_list
from portal.models import Desk
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_all_31_provinces_are_loaded():
    assert Province.objects.count() == 31
    assert Province.objects.get(code="65").name == "新疆维吾尔自治区"


def test_the_institution_code_has_ten_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(code="41100")


def test_the_institution_code_is_unique():
    InstitutionFactory(code="4111010001")
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(code="4111010001")


def test_the_desk_follows_the_type_except_for_private_schools():
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(type=InstitutionType.VOCATIONAL, desk=Desk.UNDERGRADUATE)
    private = InstitutionFactory(type=InstitutionType.PRIVATE, desk=Desk.VOCATIONAL)
    assert private.desk == Desk.VOCATIONAL


def test_each_role_sees_only_its_institutions(world):
    other_bj = InstitutionFactory(name="北京另一所高职", type=InstitutionType.VOCATIONAL)

    def names(role):
        return set(institution_list(user=world.users[role]).values_list("name", flat=True))

    assert names("staff_a") == {"北京测试大学"}
    assert names("staff_b") == {"江苏测试职业技术学院"}
    assert names("prov_bj") == {"北京测试大学", other_bj.name}
    assert names("coord_ug") == {"北京测试大学"}
    assert names("coord_voc") == {"江苏测试职业技术学院", other_bj.name}
    assert names("learner_a") == set()
    assert names("anonymous") == set()
    assert names("admin") == set(Institution.objects.values_list("name", flat=True))


def test_the_institutions_api_is_scoped(world, client_for):
    response = client_for(world.users["prov_bj"]).get("/api/v1/institutions/")

    assert [i["name"] for i in response.json()["results"]] == ["北京测试大学"]


def test_the_institution_list_costs_the_same_queries_for_3_or_30_rows(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.users["admin"])
    InstitutionFactory.create_batch(1)
    client.get("/institutions/")  # warm the session and content types

    with django_assert_num_queries(4) as few:
        client.get("/institutions/")
    InstitutionFactory.create_batch(27)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/institutions/")
