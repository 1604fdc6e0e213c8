"""A write the database refuses after the services' checks (a race) is a sentence, never a 500;
so is a database that went away in the middle of a request (503: try again later)."""

import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from rest_framework.test import APIRequestFactory

from portal.api import exception_handler
from portal.middleware import DatabaseRefusalMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("exception", "status", "sentence"),
    [
        (IntegrityError("duplicate key value violates unique constraint"), 409, "请刷新页面后重试"),
        (DataError("value too long for type character varying(50)"), 400, "超出允许的范围"),
        (
            OperationalError("terminating connection due to administrator command"),
            503,
            "请稍后重试",
        ),
        (InterfaceError("connection already closed"), 503, "请稍后重试"),
    ],
)
def test_a_page_shows_what_the_database_refused_and_that_nothing_was_saved(
    rf, exception, status, sentence
):
    request = rf.post("/receipts/new/")
    middleware = DatabaseRefusalMiddleware(lambda request: None)

    response = middleware.process_exception(request, exception)

    assert response.status_code == status
    page = response.content.decode()
    assert sentence in page
    assert "没有保存任何数据" in page
    assert "duplicate key" not in page
    assert "varying" not in page
    assert "administrator" not in page


def test_other_exceptions_are_left_to_django():
    middleware = DatabaseRefusalMiddleware(lambda request: None)

    assert middleware.process_exception(None, ValueError("a bug")) is None


@pytest.mark.parametrize(
    ("exception", "status", "code"),
    [
        (IntegrityError("duplicate key"), 409, "conflict"),
        (DataError("too long"), 400, "invalid"),
        (OperationalError("server closed the connection"), 503, "unavailable"),
    ],
)
def test_the_api_answers_a_database_refusal_in_its_error_shape(exception, status, code):
    request = APIRequestFactory().post("/api/v1/receipts/")

    response = exception_handler(exception, {"request": request})

    assert response.status_code == status
    assert response.data["code"] == code
    assert "duplicate" not in response.data["detail"]
    assert "too long" not in response.data["detail"]
    assert "server closed" not in response.data["detail"]
