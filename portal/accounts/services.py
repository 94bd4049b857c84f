"""Writes for accounts: API tokens, users with roles."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from . import audit
from .errors import TokenNotFound, WeakPassword
from .models import ApiToken, OrgUnit, User
from .roles import ROLES

__all__ = ["IssuedToken", "digest_of", "do_issue_token", "do_revoke_token", "find_token_user", "check_password",
           "do_create_user"]

TOKEN_PREFIX = "gp_"  # noqa: S105 (a marker that tells leaked-secret scanners what this is, not a secret)


def digest_of(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and keeps lookups an index hit.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the user once; never stored


@transaction.atomic
def do_issue_token(*, user: User, name: str, expires_at: datetime | None = None, ip: str | None = None) -> IssuedToken:
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], digest=digest_of(key), expires_at=expires_at)
    audit.token_issued(actor=user, token=token, ip=ip)
    return IssuedToken(token=token, key=key)


@transaction.atomic
def do_revoke_token(*, user: User, token_id: int, ip: str | None = None) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise TokenNotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.token_revoked(actor=user, token=token, ip=ip)
    return token


@lru_cache(maxsize=1)
def _token_user_sql() -> tuple[str, tuple[str, ...]]:
    """ApiToken.objects.active().select_related("user").filter(digest=…), written out once: on every API call,
    building the ORM query took more time than the database took to answer it (measured in bench incidents)."""
    fields = User._meta.concrete_fields
    statement = sql.SQL(
        "SELECT t.id, t.last_used_at, {columns} FROM {tokens} t JOIN {users} u ON u.id = t.user_id "
        "WHERE t.digest = %(digest)s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > %(now)s)"
    ).format(columns=sql.SQL(", ").join(sql.Identifier("u", f.column) for f in fields),
             tokens=sql.Identifier(ApiToken._meta.db_table), users=sql.Identifier(User._meta.db_table))
    connection.ensure_connection()
    return statement.as_string(connection.connection), tuple(f.attname for f in fields)


def find_token_user(key: str) -> User | None:
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    statement, names = _token_user_sql()
    with connection.cursor() as cursor:
        cursor.execute(statement, {"digest": digest_of(key), "now": now})
        row = cursor.fetchone()  # the digest is unique: one row at most
    if row is None:
        return None
    token_id, last_used_at, *values = row
    user = User.from_db(connection.alias, names, values)
    if not user.is_active:
        return None
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        # At most one write a minute per token, so busy clients do not turn every read into a write.
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


def check_password(password: str, *, username: str, email: str = "") -> None:
    """The password policy (AUTH_PASSWORD_VALIDATORS): long enough, not a common one, not all digits, not like
    the user's name or e-mail."""
    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        raise WeakPassword(" ".join(exc.messages)) from exc


@transaction.atomic
def do_create_user(*, username: str, password: str, roles: list[str], org_unit: OrgUnit | None = None,
                   email: str = "", is_staff: bool = False) -> User:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    check_password(password, username=username, email=email)
    user = User.objects.create_user(username=username, password=password, email=email, org_unit=org_unit,
                                    is_staff=is_staff)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user
