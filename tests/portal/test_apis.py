import pytest

from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_token_gives_access_to_the_api(client):
    staff = StaffFactory(username="api-user", institution__name="令牌大学")
    token = client.post(
        "/api/v1/auth/token/", {"username": "api-user", "password": PASSWORD}
    ).json()["token"]
    client.logout()

    me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token}"})
    institutions = client.get("/api/v1/institutions/", headers={"Authorization": f"Token {token}"})

    assert me.json()["username"] == staff.username
    assert me.json()["institution"] == "令牌大学"
    assert [i["name"] for i in institutions.json()["results"]] == ["令牌大学"]


def test_a_wrong_password_gets_no_token(client):
    StaffFactory(username="api-user")

    response = client.post("/api/v1/auth/token/", {"username": "api-user", "password": "wrong"})

    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码不正确。", "code": "authentication_failed"}


def test_the_openapi_schema_describes_the_catalog_and_institutions(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()

    assert "/api/v1/programs/" in schema["paths"]
    assert "/api/v1/institutions/{id}/" in schema["paths"]


def test_an_unknown_token_is_refused(client):
    response = client.get("/api/v1/me/", headers={"Authorization": "Token nope"})

    assert response.status_code == 401


def test_token_requests_count_toward_the_log_in_lockout(client):
    StaffFactory(username="api-user")
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "api-user", "password": "wrong"})

    response = client.post("/api/v1/auth/token/", {"username": "api-user", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "token" not in response.json()
