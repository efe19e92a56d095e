"""Signed, expiring, single-use links: sign-in by email link and account activation.

Built on Django's password-reset token generator (HMAC over the user's state and a
timestamp, checked in constant time), with a salt per purpose and a shorter lifetime.
The hash covers ``last_login`` to the microsecond, the password hash and ``is_active``:
signing in (or activating) changes one of them, so a link works once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from atiende.accounts.models import User


class _LinkTokenGenerator(PasswordResetTokenGenerator):
    timeout_setting = ""

    @property
    def timeout(self) -> int:
        return int(getattr(settings, self.timeout_setting))

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        last_login = user.last_login.isoformat() if user.last_login else ""
        return f"{user.pk}|{user.password}|{last_login}|{user.is_active}|{user.email}|{timestamp}"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            issued_b36, _hash = token.split("-")
            issued = base36_to_int(issued_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token):
                break
        else:
            return False
        return 0 <= self._num_seconds(self._now()) - issued <= self.timeout


class SignInLinkTokenGenerator(_LinkTokenGenerator):
    key_salt = "atiende.web.tokens.SignInLink"
    timeout_setting = "ATIENDE_SIGN_IN_LINK_TIMEOUT"


class ActivationTokenGenerator(_LinkTokenGenerator):
    key_salt = "atiende.web.tokens.Activation"
    timeout_setting = "ATIENDE_ACTIVATION_TIMEOUT"


sign_in_link_tokens = SignInLinkTokenGenerator()
activation_tokens = ActivationTokenGenerator()


def uid_for(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_for_uid(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk).first()
