"""Pages answer 503 with Retry-After too when PostgreSQL is out of reach (Django's error view), and other errors
stay 500: the mapping is for the database being away, not for bugs."""

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client

from portal import views
from portal.unavailable import RETRY_AFTER_SECONDS


def _failing(exc: Exception):
    def render(*args, **kwargs):
        raise exc

    return render


@pytest.mark.django_db
@pytest.mark.parametrize("exc", [OperationalError("server closed the connection unexpectedly"),
                                 psycopg.OperationalError("connection refused")])
def test_a_page_whose_database_is_away_answers_503_with_retry_after(monkeypatch, exc):
    monkeypatch.setattr(views, "render", _failing(exc))  # the home page's first step, as if the query failed
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "unavailable" and response.json()["message"]


@pytest.mark.django_db
def test_any_other_error_is_still_a_500(monkeypatch):
    monkeypatch.setattr(views, "render", _failing(ValueError("a bug")))
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500 and not response.has_header("Retry-After")
