"""API schemas of the accounts app."""

from datetime import datetime

from ninja import Field, Schema


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: str


class MeOut(Schema):
    username: str
    roles: list[str]
    org_unit: OrgUnitOut | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(TokenOut):
    key: str = Field(description="The token itself. Shown only in this response; store it now.")
