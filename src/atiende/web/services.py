"""Write side of the web app: portal sign-up, activation and sign-in links.

Accounts change through ``accounts.services`` (audit log, events); this module adds the
email round trips. Mail goes out after commit, in the recipient's language. Answers never
say whether an address has an account (no enumeration): the caller shows the same
"check your email" page whatever happened.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts import services as accounts
from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.selectors import organization_for_email
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.contacts.selectors import find_by_identity
from atiende.contacts.services import ensure_contact_for_user
from atiende.web.tokens import activation_tokens, sign_in_link_tokens, uid_for

logger = logging.getLogger(__name__)


def _mail_after_commit(*, user: User, subject: str | Promise, template: str, context: dict[str, object]) -> None:
    """Send ``template`` to ``user`` in their language once the transaction commits."""

    def deliver() -> None:
        language = user.language if user.language in {"es", "en"} else settings.LANGUAGE_CODE
        try:
            with translation.override(language):
                body = render_to_string(template, {"user": user, **context})
                send_mail(str(subject), body, None, [user.email])
        except Exception:  # a mail server that is down must not turn into a 500 for the visitor
            logger.exception("could not send %s to user %s", template, user.pk)

    transaction.on_commit(deliver)


def _link(base_url: str, name: str, user: User, token: str) -> str:
    return base_url.rstrip("/") + reverse(name, kwargs={"uidb64": uid_for(user), "token": token})


@transaction.atomic
def register_customer(
    *, email: str, name: str, password: str, language: str, time_zone: str, base_url: str
) -> User | None:
    """Create an inactive customer account and mail its activation link.

    An address that already has an account gets a mail saying so (with a sign-in link)
    instead; the caller cannot tell the two apart. Returns the new user, or None.
    """
    email = (email or "").strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing.is_active:
            _mail_after_commit(
                user=existing,
                subject=gettext_lazy("You already have an account"),
                template="web/emails/account_exists.txt",
                context={
                    "link": _link(
                        base_url, "web:sign-in-link-confirm", existing, sign_in_link_tokens.make_token(existing)
                    )
                },
            )
        return None
    user = accounts.create_user(
        actor=None,
        email=email,
        password=password,
        name=name,
        role=Role.CUSTOMER,
        organization=organization_for_email(email),
        language=language,
        time_zone=time_zone,
    )
    user = accounts.update_user(actor=None, user=user, is_active=False)
    _mail_after_commit(
        user=user,
        subject=gettext_lazy("Confirm your email address"),
        template="web/emails/activation.txt",
        context={"link": _link(base_url, "web:activate", user, activation_tokens.make_token(user))},
    )
    return user


@transaction.atomic
def activate_customer(*, user: User) -> Contact:
    """Activate an account whose owner proved the address; link or create their contact."""
    if user.role != Role.CUSTOMER:
        raise ValidationError(_("This link is not valid."))
    if not user.is_active:
        accounts.update_user(actor=user, user=user, is_active=True)
    return ensure_contact_for_user(actor=user, user=user)


@transaction.atomic
def request_sign_in_link(*, email: str, language: str, base_url: str) -> None:
    """Mail a one-time sign-in link to a customer.

    Someone who has written to us (a contact with this email) but has no account yet
    gets one, without a password: the link proves they own the address.
    """
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        contact = find_by_identity(IdentityKind.EMAIL, email) if email else None
        if contact is None or contact.user_id is not None:
            return
        user = accounts.create_user(
            actor=None,
            email=email,
            name=contact.name,
            role=Role.CUSTOMER,
            organization=contact.organization,
            language=next(
                (code for code in (language, contact.language, settings.LANGUAGE_CODE) if code in {"es", "en"}), "es"
            ),
        )
    if not user.is_active or user.role != Role.CUSTOMER:
        return  # staff sign in with a password (and may reset it)
    _mail_after_commit(
        user=user,
        subject=gettext_lazy("Your sign-in link"),
        template="web/emails/sign_in_link.txt",
        context={
            "link": _link(base_url, "web:sign-in-link-confirm", user, sign_in_link_tokens.make_token(user)),
            "minutes": settings.ATIENDE_SIGN_IN_LINK_TIMEOUT // 60,
        },
    )


@transaction.atomic
def sign_in_with_link(*, user: User) -> Contact:
    """What signing in by link does besides the login itself: make sure the contact exists."""
    return ensure_contact_for_user(actor=user, user=user)


@transaction.atomic
def set_preferences(*, user: User, language: str, time_zone: str | None = None) -> User:
    if time_zone is None:
        return accounts.update_user(actor=user, user=user, language=language)
    return accounts.update_user(actor=user, user=user, language=language, time_zone=time_zone)


@transaction.atomic
def set_password_from_reset(*, user: User, password: str) -> User:
    accounts.set_password(actor=user, user=user, password=password)
    return user
