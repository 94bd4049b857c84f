"""API tokens: issued once through the session (with CSRF), stored hashed, revocable, expiring."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from portal.accounts.models import ApiToken, User
from portal.accounts.services import do_issue_token


@pytest.fixture
def user(db):
    return User.objects.create_user("analyst", password="a-long-password-1")


def _csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/login/")  # sets the csrftoken cookie
    return client, client.cookies["csrftoken"].value


def test_issue_token_through_session_then_use_it_as_bearer(user):
    client, csrf = _csrf_client(user)
    response = client.post("/api/auth/tokens", {"name": "QGIS"}, content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    stored = ApiToken.objects.get(user=user)
    assert key not in (stored.digest, stored.prefix) and key.startswith(stored.prefix)
    me = Client().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    assert me.json()["username"] == "analyst"
    listed = Client().get("/api/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert "key" not in listed[0] and listed[0]["prefix"] == stored.prefix


def test_issuing_without_csrf_is_refused(user):
    client, _ = _csrf_client(user)
    response = client.post("/api/auth/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_a_token_cannot_mint_tokens(user):
    key = do_issue_token(user=user, name="cli").key
    response = Client().post("/api/auth/tokens", {"name": "more"}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_wrong_revoked_and_expired_tokens_are_401(user):
    assert Client().get("/api/auth/me", HTTP_AUTHORIZATION="Bearer gp_nope").status_code == 401
    assert Client().get("/api/auth/me").json()["code"] == "not_authenticated"
    revoked = do_issue_token(user=user, name="old")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {revoked.key}"}
    assert client.delete(f"/api/auth/tokens/{revoked.token.pk}", **auth).status_code == 204
    assert client.get("/api/auth/me", **auth).status_code == 401
    expired = do_issue_token(user=user, name="gone", expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {expired.key}").status_code == 401


def test_expiry_in_the_past_is_422(user):
    client, csrf = _csrf_client(user)
    response = client.post("/api/auth/tokens", {"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
                           content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_at"


def test_cannot_revoke_someone_elses_token(user):
    other = User.objects.create_user("other", password="a-long-password-2")
    theirs = do_issue_token(user=other, name="theirs")
    mine = do_issue_token(user=user, name="mine")
    response = Client().delete(f"/api/auth/tokens/{theirs.token.pk}", HTTP_AUTHORIZATION=f"Bearer {mine.key}")
    assert response.status_code == 404
    assert ApiToken.objects.active().filter(pk=theirs.token.pk).exists()
