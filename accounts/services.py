"""Every write to users and profiles."""

import logging
import secrets
import time
from binascii import unhexlify

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from kombu.exceptions import OperationalError as KombuOperationalError

from core.errors import DomainError, NotPermitted
from core.links import absolute_url
from core.services import audit_record, email_queue
from core.text import email_canonical, one_line_checked

from .enums import INVITED_ROLES, AccountsAuditAction, Role
from .models import ResearcherProfile, User
from .selectors import user_list_for_password_reset
from .signals import user_invited
from .two_factor import RECOVERY_CODE_COUNT

logger = logging.getLogger(__name__)

EMAIL_CONFIRM_SALT = "accounts.email-confirmation"


def email_confirmation_token(*, user: User) -> str:
    return signing.TimestampSigner(salt=EMAIL_CONFIRM_SALT).sign_object({"u": user.pk, "e": user.email})


def password_set_path(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def password_reset_email_send(*, user: User) -> None:
    """Email ``user`` a link to choose a new password. The link is built from SITE_URL, never from
    the Host header of the request that asked for it."""
    email_queue(
        to=[user.email],
        template="accounts/password_reset",
        context={"user": user, "reset_url": absolute_url(password_set_path(user=user))},
    )


def password_reset_request(*, email: str) -> None:
    """Someone asks for a reset link for ``email``. Whether the address has an account must not show
    in the time of the answer, so the request does the same for every address: after the commit it
    hands the address to a task, and the task (``password_reset_emails_send``) looks it up and
    queues the emails. Looked up in the request, a known address answered 1.4 times slower."""
    transaction.on_commit(lambda: _password_reset_dispatch(email), robust=True)


def _password_reset_dispatch(email: str) -> None:
    from .tasks import password_reset_emails_send_task  # inline: tasks imports this module

    try:
        password_reset_emails_send_task.delay(email)
    except KombuOperationalError as exc:
        # The broker is down (the publish already waited for its retries, on every path alike): look
        # the address up here, so that the email waits in the outbox for the sweep, not lost.
        logger.warning("password reset task not sent (%s); the emails are queued in the request", exc)
        password_reset_emails_send(email=email)


@transaction.atomic
def password_reset_emails_send(*, email: str) -> int:
    """Queue a reset email (``password_reset_email_send``) to every active account at ``email``;
    returns how many."""
    users = user_list_for_password_reset(email=email)
    for user in users:
        password_reset_email_send(user=user)
    return len(users)


@transaction.atomic
def user_sign_up(*, email: str, full_name: str, password: str) -> User | None:
    """A researcher registers. An address that already has an account gets an email saying so
    (the page does not tell a stranger which addresses are registered, and nor may its time: the
    password is hashed before the address is looked up, whatever the answer, and each path queues
    one email for after the commit). Returns the new user, or None when the address was taken."""
    email = email_canonical(email)
    # Hashing (argon2) is most of a sign-up's time: made on one path only, it told a stranger in
    # 30 ms against 470 ms that an address is registered.
    password_hash = make_password(password)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        email_queue(
            to=[existing.email],
            template="accounts/sign_up_existing",
            context={
                "user": existing,
                "login_url": absolute_url("accounts:login"),
                "password_reset_url": absolute_url("accounts:password_reset"),
            },
        )
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password_hash=password_hash,
                full_name=one_line_checked(full_name, field="full_name"),
                role=Role.RESEARCHER,
            )
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        return None
    ResearcherProfile.objects.create(user=user)
    audit_record(actor=user, action=AccountsAuditAction.SIGNED_UP, target=user)
    confirm_url = absolute_url("accounts:confirm_email", token=email_confirmation_token(user=user))
    email_queue(
        to=[user.email], template="accounts/confirm_email", context={"user": user, "confirm_url": confirm_url}
    )
    return user


@transaction.atomic
def user_confirm_email(*, token: str) -> User:
    try:
        payload = signing.TimestampSigner(salt=EMAIL_CONFIRM_SALT).unsign_object(
            token, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise DomainError("This confirmation link has expired. Sign up again to get a new one.") from exc
    except signing.BadSignature as exc:
        raise DomainError("This confirmation link is not valid. Check that you copied all of it.") from exc
    user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()
    if user is None:
        raise DomainError("This confirmation link is not valid. Check that you copied all of it.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
        audit_record(actor=user, action=AccountsAuditAction.EMAIL_CONFIRMED, target=user)
    return user


@transaction.atomic
def user_invite(*, actor: User, email: str, full_name: str, role: str) -> User:
    """Staff create a panel member, chair or staff account; the person sets a password by email."""
    if not actor.is_portal_staff:
        raise NotPermitted("Only staff can invite panel members and staff.")
    if role not in INVITED_ROLES:
        raise DomainError("Researchers register themselves; invite only panel members, chairs and staff.")
    email = email_canonical(email)
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("An account with this email address already exists.", field="email")
    user = User.objects.create_user(
        email=email,
        password=None,
        full_name=one_line_checked(full_name, field="full_name"),
        role=role,
        is_staff=role == Role.STAFF,
        email_confirmed_at=timezone.now(),
    )
    audit_record(actor=actor, action=AccountsAuditAction.INVITED, target=user, data={"role": role})
    user_invited.send(sender=User, user=user, actor=actor)
    email_queue(
        to=[user.email],
        template="accounts/invitation",
        context={
            "user": user,
            "role": user.get_role_display(),
            "set_password_url": absolute_url(password_set_path(user=user)),
        },
    )
    return user


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: str) -> User:
    if not actor.is_portal_staff:
        raise NotPermitted("Only staff can change roles.")
    if role not in Role.values:
        raise DomainError("Unknown role.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if user.pk == actor.pk:
        raise DomainError("You cannot change your own role; ask another member of staff.")
    previous = user.role
    user.role = role
    user.is_staff = role == Role.STAFF
    user.save(update_fields=["role", "is_staff"])
    audit_record(
        actor=actor, action=AccountsAuditAction.ROLE_CHANGED, target=user, data={"from": previous, "to": role}
    )
    return user


@transaction.atomic
def researcher_profile_update(*, actor: User, profile: ResearcherProfile, **fields) -> ResearcherProfile:
    profile = ResearcherProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.user_id != actor.pk:
        raise NotPermitted("You can only change your own profile.")
    before = {name: _jsonable(getattr(profile, name)) for name in fields}
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    changed = {
        name: {"from": before[name], "to": _jsonable(getattr(profile, name))}
        for name in fields
        if before[name] != _jsonable(getattr(profile, name))
    }
    if not changed:
        return profile
    profile.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor, action=AccountsAuditAction.PROFILE_UPDATED, target=profile, data={"changed": changed}
    )
    return profile


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# --- Two-factor sign-in ------------------------------------------------------------------------------

TOTP_TOLERANCE = 1  # accept the code of the previous and the next 30-second step (clock drift)


def _security_stamp_rotate(user: User) -> None:
    """Ends every session of the user except one the caller then re-binds (update_session_auth_hash)."""
    user.security_stamp = secrets.token_hex(16)
    user.save(update_fields=["security_stamp"])


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _normalise_code(token: str) -> str:
    return "".join(str(token or "").split()).replace("-", "").lower()[:32]


@transaction.atomic
def two_factor_enrol(*, user: User, key: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm a new authenticator app by its first code; it replaces any earlier one, and a fresh
    set of single-use recovery codes replaces the old set. Every other session of the user ends."""
    user = User.objects.select_for_update().get(pk=user.pk)
    code = _normalise_code(token)
    try:
        totp = TOTP(unhexlify(key), step=30, t0=0, digits=6, drift=0)
    except (ValueError, TypeError) as exc:
        raise DomainError("The set-up has expired. Start again from your account page.") from exc
    totp.time = time.time()
    if not (code.isdigit() and len(code) == 6 and totp.verify(int(code), tolerance=TOTP_TOLERANCE)):
        raise DomainError(
            "That code is not right. Enter the six digits your app shows now for this account.", field="code"
        )
    replaced = TOTPDevice.objects.filter(user=user).delete()[0] > 0
    device = TOTPDevice.objects.create(
        user=user,
        name="Authenticator app",
        key=key,
        confirmed=True,
        last_t=totp.t(),  # the code just used cannot sign anyone in
        drift=totp.drift,
        tolerance=TOTP_TOLERANCE,
    )
    codes = _recovery_codes_replace(user)
    _security_stamp_rotate(user)
    audit_record(
        actor=user, action=AccountsAuditAction.TWO_FACTOR_ENROLLED, target=user, data={"replaced": replaced}
    )
    return device, codes


def two_factor_verify(*, user: User, token: str):
    """The second step of signing in: a code from the app, or one of the recovery codes (used up).
    Returns the device that accepted it. A failure is audited and counts towards django-otp's
    throttle, both committed before the error is raised."""
    code = _normalise_code(token)
    with transaction.atomic():
        devices = [
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
        ]
        wait_until = None
        accepted = None
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                wait_until = (info or {}).get("locked_until") or wait_until
                continue
            if isinstance(device, TOTPDevice) and not (code.isdigit() and len(code) == 6):
                continue
            if isinstance(device, StaticDevice) and (code.isdigit() and len(code) == 6):
                continue
            if device.verify_token(code):
                accepted = device
                break
        if accepted is not None:
            recovery = isinstance(accepted, StaticDevice)
            audit_record(
                actor=user,
                action=AccountsAuditAction.TWO_FACTOR_RECOVERY_CODE_USED
                if recovery
                else AccountsAuditAction.TWO_FACTOR_VERIFIED,
                target=user,
                data={"recovery_codes_left": accepted.token_set.count()} if recovery else {},
            )
            return accepted
        audit_record(actor=user, action=AccountsAuditAction.TWO_FACTOR_FAILED, target=user)
    if wait_until is not None:
        seconds = max(1, int((wait_until - timezone.now()).total_seconds()) + 1)
        raise DomainError(
            f"Too many wrong codes. Wait {seconds} seconds, then enter the code your app shows.", field="code"
        )
    raise DomainError(
        "That code is not right, or it was used already. Enter the code your app shows now, "
        "or one of your recovery codes.",
        field="code",
    )


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise DomainError("Set up two-factor sign-in first; recovery codes come with it.")
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action=AccountsAuditAction.TWO_FACTOR_RECOVERY_CODES_REGENERATED, target=user)
    return codes


@transaction.atomic
def two_factor_remove(*, user: User) -> User:
    """A researcher turns two-factor sign-in off for their own account (panel and staff cannot)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.needs_second_factor:
        raise NotPermitted("Panel members and staff must keep two-factor sign-in. You can replace your app.")
    deleted = (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )
    if not deleted:
        return user
    _security_stamp_rotate(user)
    audit_record(actor=user, action=AccountsAuditAction.TWO_FACTOR_REMOVED, target=user)
    return user


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> User:
    """Staff remove a person's lost authenticator app and recovery codes. Every session of that person
    ends; at the next sign-in they set up a new app."""
    if not actor.is_portal_staff:
        raise NotPermitted("Only staff can reset two-factor sign-in.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise DomainError("You cannot reset your own two-factor sign-in; ask another member of staff.")
    deleted = (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )
    if not deleted:
        raise DomainError(f"{user.get_full_name()} has no two-factor sign-in to reset.")
    _security_stamp_rotate(user)
    audit_record(actor=actor, action=AccountsAuditAction.TWO_FACTOR_RESET, target=user)
    return user


# --- Lockouts ------------------------------------------------------------------------------------------


@transaction.atomic
def lockout_clear(*, actor: User, attempt_id: int) -> AccessAttempt:
    """Staff unlock an account at an address that django-axes locked after repeated failed sign-ins."""
    if not actor.is_portal_staff:
        raise NotPermitted("Only staff can unlock accounts.")
    attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None:
        raise DomainError("That lock has already been lifted or has expired.")
    username, ip_address, failures = attempt.username, attempt.ip_address, attempt.failures_since_start
    AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
    target = User.objects.filter(email__iexact=username or "").first()
    audit_record(
        actor=actor,
        action=AccountsAuditAction.LOCKOUT_CLEARED,
        target=target,
        data={"email": username or "", "ip_address": ip_address, "failures": failures},
    )
    return attempt


# --- Changing the sign-in email address ----------------------------------------------------------------

EMAIL_CHANGE_SALT = "accounts.email-change"


@transaction.atomic
def user_email_change_request(*, user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is opened. The page says
    the same whether or not the address is in use (the owner of a taken address is told instead)."""
    new_email = email_canonical(new_email)
    if new_email == user.email.lower():
        raise DomainError("That is already your email address.", field="email")
    audit_record(actor=user, action=AccountsAuditAction.EMAIL_CHANGE_REQUESTED, target=user)
    existing = User.objects.filter(email__iexact=new_email).first()
    if existing is not None:
        email_queue(to=[existing.email], template="accounts/email_change_taken", context={"user": existing})
        return
    token = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).sign_object(
        {"u": user.pk, "old": user.email, "new": new_email}
    )
    email_queue(
        to=[new_email],
        template="accounts/email_change_confirm",
        context={
            "user": user,
            "confirm_url": absolute_url("accounts:email_change_confirm", token=token),
        },
    )


@transaction.atomic
def user_email_change_confirm(*, token: str) -> User:
    invalid = (
        "This link is not valid, or the address was changed already. Start again from your account page."
    )
    try:
        payload = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).unsign_object(
            token, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise DomainError("This link has expired. Start again from your account page.") from exc
    except signing.BadSignature as exc:
        raise DomainError(invalid) from exc
    user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("old")).first()
    if user is None:
        raise DomainError(invalid)
    new_email = str(payload.get("new", ""))
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise DomainError("Another account uses that address now. Contact the archive staff.")
    old_email = user.email
    user.email = new_email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["email"])
    _security_stamp_rotate(user)
    audit_record(
        actor=user,
        action=AccountsAuditAction.EMAIL_CHANGED,
        target=user,
        data={"from": old_email, "to": new_email},
    )
    email_queue(
        to=[old_email], template="accounts/email_changed_notice", context={"user": user, "new": new_email}
    )
    return user
