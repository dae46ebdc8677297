"""Sign-in events go to the audit log; a sign-in also records in the session when the password was
entered and whether a second factor is required. The signals accounts sends for higher apps."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from core.middleware import request_client_ip
from core.services import audit_record

from .enums import AccountsAuditAction
from .security import (
    AUTHENTICATED_AT_KEY,
    PASSWORD_CONFIRMED_AT_KEY,
    SECOND_FACTOR_REQUIRED_KEY,
    has_confirmed_device,
)

#: Sent by accounts.services.user_invite inside the invitation's transaction, with ``user`` (the new
#: account, its role set) and ``actor`` (the member of staff who invited them). The panel listens: an
#: invited panel member or chair is put on the panel.
user_invited = Signal()


def _ip(request) -> str | None:
    return request_client_ip(request) if request is not None else None


@receiver(user_logged_in)
def session_mark_signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[AUTHENTICATED_AT_KEY] = now
    request.session[PASSWORD_CONFIRMED_AT_KEY] = now
    if not user.needs_second_factor and has_confirmed_device(user):
        request.session[SECOND_FACTOR_REQUIRED_KEY] = True


@receiver(user_logged_in)
def audit_logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AccountsAuditAction.LOGGED_IN, target=user, ip_address=_ip(request))


@receiver(user_logged_out)
def audit_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AccountsAuditAction.LOGGED_OUT, target=user, ip_address=_ip(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(
        actor=None,
        action=AccountsAuditAction.LOGIN_FAILED,
        data={"email": attempted},
        ip_address=_ip(request),
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(
        actor=None,
        action=AccountsAuditAction.LOCKED_OUT,
        data={"email": str(username or "")[:254]},
        ip_address=ip_address or _ip(request),
    )
