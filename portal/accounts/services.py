"""Writes for accounts: API tokens, users with roles."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .errors import TokenNotFound
from .models import ApiToken, OrgUnit, User
from .roles import ROLES

__all__ = ["IssuedToken", "digest_of", "do_issue_token", "do_revoke_token", "find_token_user", "do_create_user"]

TOKEN_PREFIX = "gp_"  # noqa: S105 (a marker that tells leaked-secret scanners what this is, not a secret)


def digest_of(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and keeps lookups an index hit.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the user once; never stored


def do_issue_token(*, user: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], digest=digest_of(key), expires_at=expires_at)
    return IssuedToken(token=token, key=key)


def do_revoke_token(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise TokenNotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def find_token_user(key: str) -> User | None:
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(digest=digest_of(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # At most one write a minute per token, so busy clients do not turn every read into a write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def do_create_user(*, username: str, password: str, roles: list[str], org_unit: OrgUnit | None = None,
                   email: str = "", is_staff: bool = False) -> User:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    user = User.objects.create_user(username=username, password=password, email=email, org_unit=org_unit,
                                    is_staff=is_staff)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user
