"""What the API promises in its schema, it does: errors in one shape and the user's language, every
status documented, nullable fields said to be nullable, and no filter value silently ignored."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", headers={"Accept": "application/json"}).json()


def test_a_missing_object_is_a_404_in_chinese_in_the_error_shape(world, client_for):
    client = client_for(world.users["staff_a"])

    missing = client.get("/api/v1/receipts/999999/")
    not_a_route = client.get("/api/v1/no-such-thing/")
    other_school = client_for(world.users["staff_b"]).get(f"/api/v1/receipts/{world.receipt_a.pk}/")

    for response in (missing, not_a_route, other_school):
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_errors_are_in_the_users_language(world, client_for):
    anonymous = client_for(world.users["anonymous"]).get("/api/v1/receipts/")
    forbidden = client_for(world.users["staff_a"]).get("/api/v1/cohorts/")

    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "身份认证信息未提供。", "code": "not_authenticated"}
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert "权限" in forbidden.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "desk=",
        "status=",
        "status=submitted&status=draft",
        "province=",
        "province=北京",
        "page=0",
        "page=abc",
        "page=1&page=2",
        "submitted_from=2026-13-01",
    ],
)
def test_a_filter_value_that_is_not_one_is_a_400_not_ignored(world, client_for, query):
    response = client_for(world.users["coord_ug"]).get(f"/api/v1/receipts/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]


def test_a_page_past_the_last_is_a_404(world, client_for):
    response = client_for(world.users["coord_ug"]).get("/api/v1/receipts/?page=99")

    assert response.status_code == 404


def test_nullable_fields_are_declared_nullable(schema, world, client_for):
    components = schema["components"]["schemas"]
    me = components["Me"]["properties"] if "Me" in components else None
    me = (
        me
        or next(
            v
            for k, v in components.items()
            if "username" in v.get("properties", {}) and "role" in v["properties"]
        )["properties"]
    )
    line = components["ReceiptLine"]["properties"]

    assert me["province"].get("nullable") is True
    assert me["institution"].get("nullable") is True
    assert line["cohort"].get("nullable") is True
    # and the API does answer null there
    assert client_for(world.users["staff_a"]).get("/api/v1/me/").json()["province"] is None
    assert client_for(world.users["prov_bj"]).get("/api/v1/me/").json()["institution"] is None


def test_every_error_status_is_documented_with_the_error_shape(schema):
    receipts = schema["paths"]["/api/v1/receipts/"]
    detail = schema["paths"]["/api/v1/receipts/{id}/submit/"]
    programs = schema["paths"]["/api/v1/programs/"]
    token = schema["paths"]["/api/v1/auth/token/"]

    assert {"400", "401", "403", "409", "415", "422"} <= set(receipts["post"]["responses"])
    assert {"400", "401", "403", "404"} <= set(receipts["get"]["responses"])
    assert {"401", "403", "404", "409", "422"} <= set(detail["post"]["responses"])
    assert "401" not in programs["get"]["responses"]  # public
    assert {"400", "401", "403", "429"} <= set(token["post"]["responses"])
    error = receipts["post"]["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}


def test_text_fields_state_their_pattern_and_bounds(schema):
    receipt = schema["components"]["schemas"]["Receipt"]["properties"]
    line = schema["components"]["schemas"]["ReceiptLine"]["properties"]

    assert receipt["leader_mobile"]["pattern"] == "^1[3-9][0-9]{9}$"
    assert receipt["liaison_name"]["pattern"].startswith("^[^\\u0000-\\u001f")
    assert receipt["study_length_days"]["maximum"] == 62
    assert line["participants"] == {**line["participants"], "minimum": 1, "maximum": 20000}
    assert receipt["lines"]["minItems"] == 1


def test_the_api_takes_json_bodies_only(world, client_for):
    response = client_for(world.users["staff_a"]).post(
        f"/api/v1/receipts/{world.receipt_a.pk}/withdraw/", {"comment": "x"}
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
