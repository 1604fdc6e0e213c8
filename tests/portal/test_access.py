import pytest
from django.contrib.auth.models import Group

from enrollment.models import Institution
from portal import access

pytestmark = pytest.mark.django_db


def test_a_model_without_a_rule_is_refused_to_all_but_administrators(world):
    Group.objects.create(name="任意")

    for role, user in world.users.items():
        visible = access.scope(user, Group.objects.all()).exists()
        assert visible == (role == "admin"), role
        assert access.can(user, access.VIEW, Group) == (role == "admin"), role


def test_a_deactivated_account_sees_nothing(world):
    staff = world.users["staff_a"]
    staff.is_active = False
    staff.save()

    assert not access.scope(staff, Institution.objects.all()).exists()
    assert not access.can(staff, access.VIEW, world.school_a)


def test_only_the_desk_of_the_school_may_change_it(world):
    assert access.can(world.users["coord_ug"], access.CHANGE, world.school_a)
    assert not access.can(world.users["coord_voc"], access.CHANGE, world.school_a)
    assert not access.can(world.users["staff_a"], access.CHANGE, world.school_a)
    assert not access.can(world.users["prov_bj"], access.CHANGE, world.school_a)
    assert access.can(world.users["admin"], access.DELETE, world.school_a)
    assert not access.can(world.users["coord_ug"], access.DELETE, world.school_a)
