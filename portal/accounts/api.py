"""Accounts API: who am I, and my API tokens."""

from django.utils import timezone
from ninja import Router, Status

from portal.errors import InvalidInput
from portal.ratelimit import client_ip

from . import services
from .auth import session_only, token_or_session
from .models import ApiToken
from .schemas import IssuedTokenOut, MeOut, TokenIn, TokenOut

router = Router()


@router.get("/me", response=MeOut, auth=token_or_session, summary="The calling user, roles and organisation")
def me(request):
    user = request.auth
    return {"username": user.get_username(), "roles": user.roles, "org_unit": user.org_unit}


@router.get("/tokens", response=list[TokenOut], auth=token_or_session, summary="My active API tokens")
def list_tokens(request):
    return list(ApiToken.objects.active().filter(user=request.auth))


# Issuing a token needs the browser session (and its CSRF token): a leaked token cannot mint more.
@router.post("/tokens", response={201: IssuedTokenOut}, auth=session_only, summary="Issue an API token")
def issue_token(request, payload: TokenIn):
    if payload.expires_at is not None and payload.expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    issued = services.do_issue_token(user=request.auth, name=payload.name, expires_at=payload.expires_at,
                                     ip=client_ip(request))
    return Status(201, {**TokenOut.from_orm(issued.token).dict(), "key": issued.key})


@router.delete("/tokens/{token_id}", response={204: None}, auth=token_or_session, summary="Revoke an API token")
def revoke_token(request, token_id: int):
    services.do_revoke_token(user=request.auth, token_id=token_id, ip=client_ip(request))
    return Status(204, None)
