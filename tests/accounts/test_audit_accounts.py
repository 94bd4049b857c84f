"""The audit log: token issue and revoke write it (API and admin), nobody can change or delete a row (the admin is
read only, PostgreSQL refuses it too), a deleted account leaves its name behind; the password policy refuses weak
passwords where accounts are made."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.accounts import audit
from portal.accounts.errors import WeakPassword
from portal.accounts.models import ApiToken, AuditEvent, User
from portal.accounts.roles import sync_roles
from portal.accounts.services import do_create_user, do_issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user("auditee", password="a-long-password-1")


@pytest.fixture
def administrator():
    sync_roles()
    return do_create_user(username="audit-admin", password="Ninh-Thuan-vang-nang-7", roles=["administrator"],
                          is_staff=True)


def test_issuing_and_revoking_a_token_through_the_api_are_logged_with_the_callers_address(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/login/")
    issued = client.post("/api/auth/tokens", {"name": "QGIS"}, content_type="application/json",
                         HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value, REMOTE_ADDR="10.1.2.3")
    assert issued.status_code == 201
    token = ApiToken.objects.get(user=user)
    row = AuditEvent.objects.get()
    assert (row.actor, row.actor_name, row.action, row.object_type, row.object_id, row.ip) == (
        user, "auditee", "token_issued", "api_token", str(token.pk), "10.1.2.3")
    assert row.details == {"name": "QGIS", "prefix": token.prefix, "owner": "auditee", "expires_at": None}
    assert issued.json()["key"] not in str(row.details)  # the key is shown once, and never logged

    key = issued.json()["key"]
    assert Client().delete(f"/api/auth/tokens/{token.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 204
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [
        ("token_revoked", str(token.pk)), ("token_issued", str(token.pk))]


def test_a_refused_revoke_writes_nothing(user):
    key = do_issue_token(user=user, name="cli").key
    before = AuditEvent.objects.count()
    assert Client().delete("/api/auth/tokens/999999", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 404
    assert AuditEvent.objects.count() == before


def test_revoking_a_token_in_the_admin_is_logged(administrator, user):
    token = do_issue_token(user=user, name="cli").token
    client = Client()
    client.force_login(administrator)
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    response = client.post(url, {"user": user.pk, "name": "cli", "expires_at_0": "", "expires_at_1": "",
                                 "revoked_at_0": "2026-01-02", "revoked_at_1": "10:00:00"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditEvent.objects.filter(action="token_revoked").get()
    assert (row.actor, row.object_id, row.ip) == (administrator, str(token.pk), "10.9.9.9")
    # Once revoked, the admin cannot bring it back: the field is shown, not sent.
    client.post(url, {"user": user.pk, "name": "cli", "expires_at_0": "", "expires_at_1": "",
                      "revoked_at_0": "", "revoked_at_1": ""})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_admin_shows_the_log_and_offers_no_way_to_change_it(administrator, user):
    token = do_issue_token(user=user, name="x").token  # one row
    row = audit.token_issued(actor=user, token=token, ip="10.0.0.1")  # and another
    client = Client()
    client.force_login(administrator)
    listing = client.get(reverse("admin:accounts_auditevent_changelist"))
    assert listing.status_code == 200 and "token_issued" in listing.content.decode()
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    change = reverse("admin:accounts_auditevent_change", args=[row.pk])
    assert client.get(change).status_code == 200  # a read-only view
    assert client.post(change, {"action": "token_revoked", "object_id": "1"}).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(reverse("admin:accounts_auditevent_changelist"),
                       {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    row.refresh_from_db()
    assert (AuditEvent.objects.count(), row.action, row.object_id) == (2, "token_issued", str(token.pk))


def test_postgresql_refuses_to_change_or_delete_a_row(user):
    row = audit.token_issued(actor=user, token=do_issue_token(user=user, name="x").token, ip=None)
    for change in (lambda: AuditEvent.objects.filter(pk=row.pk).update(details={"forged": True}),
                   lambda: AuditEvent.objects.filter(pk=row.pk).update(actor_name="someone else"),
                   lambda: AuditEvent.objects.filter(pk=row.pk).update(actor=User.objects.create_user("other")),
                   lambda: AuditEvent.objects.filter(pk=row.pk).delete()):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            change()
    row.refresh_from_db()
    assert row.details["name"] == "x" and row.actor == user


def test_deleting_an_account_keeps_its_rows_and_name(user):
    do_issue_token(user=user, name="x")
    user.delete()
    row = AuditEvent.objects.get()
    assert (row.actor_id, row.actor_name, row.action) == (None, "auditee", "token_issued")


def test_addresses_that_are_not_addresses_are_not_kept(user):
    token = do_issue_token(user=user, name="x").token
    assert audit.token_revoked(actor=user, token=token, ip="unknown").ip is None
    assert audit.token_revoked(actor=user, token=token, ip="::1").ip == "::1"


@pytest.mark.parametrize(("password", "reason"), [
    ("password123", "too common"),
    ("1234567890123", "entirely numeric"),
    ("Ng4n-qua", "too short"),
    ("ioc-phanrang-01", "too similar"),
])
def test_accounts_are_not_made_with_weak_passwords(password, reason):
    with translation.override("en"), pytest.raises(WeakPassword, match=reason) as refused:
        do_create_user(username="ioc-phanrang-01", password=password, roles=[])
    assert refused.value.as_dict()["errors"] == [{"field": "password", "reason": refused.value.user_msg}]
    assert refused.value.http_status == 422
    assert not User.objects.filter(username="ioc-phanrang-01").exists()
    assert do_create_user(username="ioc-phanrang-01", password="Ninh-Thuan-vang-nang-7", roles=[]).pk
