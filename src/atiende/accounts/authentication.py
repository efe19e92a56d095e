from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from atiende.accounts.models import ApiToken, User
from atiende.accounts.selectors import token_for_key
from atiende.accounts.services import touch_token
from atiende.core import clock


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token atd_…`` (also accepts ``Bearer``)."""

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        token = token_for_key(key, now=clock.now())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        touch_token(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> Any:
        return "Token"
