"""Citizens who follow a report by email, and the link that lets them stop."""

import hashlib
import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from portal.errors import InvalidInput

from .models import Follower, Incident

__all__ = ["follow", "unfollow", "check_follow_email"]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_follow_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidInput("The email address is not valid.", field="email") from None
    return email.lower()


def follow(incident: Incident, email: str) -> str | None:
    """Follow; returns the unsubscribe key for the mail, or None if this address already follows."""
    key = secrets.token_urlsafe(18)
    try:
        with transaction.atomic():
            Follower.objects.create(incident=incident, email=check_follow_email(email), unsubscribe_digest=_digest(key))
    except IntegrityError:
        return None
    return key


def unfollow(key: str) -> bool:
    deleted, _ = Follower.objects.filter(unsubscribe_digest=_digest(key or "")).delete()
    return deleted > 0
