"""API tokens obey the pages' rules: no token for an initial password, none surviving a new one."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from learners.models import Learner
from portal import pii
from tests.factories import PASSWORD, AdminFactory, LearnerFactory, StaffFactory

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def first_time_learner(initial="abcd2345ef"):
    user = LearnerFactory(username="xy000000001", must_change_password=True)
    user.set_unusable_password()
    user.save()
    Learner.objects.create(
        user=user,
        name=user.full_name,
        id_encrypted=pii.encrypt("11010519850101001X"),
        id_hash="h" * 64,
        id_masked="110105********001X",
        initial_password_encrypted=pii.encrypt(initial),
        issued_by=user.institution,
    )
    return user


def test_an_initial_password_gets_no_api_token(client):
    first_time_learner()

    response = client.post(TOKEN_URL, {"username": "xy000000001", "password": "abcd2345ef"})

    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert not Token.objects.exists()


def test_a_token_of_an_account_that_must_change_its_password_is_refused(client):
    user = StaffFactory()
    token = Token.objects.create(user=user)
    user.must_change_password = True  # e.g. the administrator issued a new password
    user.save(update_fields=["must_change_password"])

    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"})

    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_a_signed_in_first_time_learner_gets_an_api_error_not_a_redirect(client):
    user = first_time_learner()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]


def test_changing_ones_password_on_the_page_revokes_ones_tokens(client):
    user = StaffFactory(username="wu")
    token = Token.objects.create(user=user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    client.post(
        reverse("portal:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )

    assert not Token.objects.filter(key=token.key).exists()
    refused = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"})
    assert refused.status_code == 401


def test_an_administrator_resetting_a_password_revokes_the_users_tokens(client_for):
    user = StaffFactory(username="zhao")
    token = Token.objects.create(user=user)

    response = client_for(AdminFactory()).post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": "reset-by-admin-2026!",
            "password2": "reset-by-admin-2026!",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()


def test_a_first_time_learner_gets_a_token_once_she_has_chosen_her_password(client):
    user = first_time_learner()
    client.post("/accounts/login/", {"username": user.username, "password": "abcd2345ef"})
    client.post(
        reverse("portal:password-change"),
        {"new_password1": "my-own-passphrase-2026", "new_password2": "my-own-passphrase-2026"},
    )

    response = client.post(
        TOKEN_URL, {"username": user.username, "password": "my-own-passphrase-2026"}
    )

    assert response.status_code == 200
    assert Token.objects.filter(user=user).exists()
