"""Every write to users and profiles."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.errors import DomainError, NotPermitted
from core.services import audit_record, email_queue

from .enums import INVITED_ROLES, AccountsAuditAction, Role
from .models import ResearcherProfile, User

EMAIL_CONFIRM_SALT = "accounts.email-confirmation"


def email_confirmation_token(*, user: User) -> str:
    return signing.TimestampSigner(salt=EMAIL_CONFIRM_SALT).sign_object({"u": user.pk, "e": user.email})


def password_set_path(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def user_sign_up(*, email: str, full_name: str, password: str) -> User | None:
    """A researcher registers. An address that already has an account gets an email saying so
    (the page does not tell a stranger which addresses are registered). Returns the new user, or
    None when the address was taken."""
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        email_queue(to=[existing.email], template="accounts/sign_up_existing", context={"user": existing})
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip(), role=Role.RESEARCHER
            )
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        return None
    ResearcherProfile.objects.create(user=user)
    audit_record(actor=user, action=AccountsAuditAction.SIGNED_UP, target=user)
    confirm_url = settings.SITE_URL + reverse(
        "accounts:confirm_email", kwargs={"token": email_confirmation_token(user=user)}
    )
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
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("An account with this email address already exists.", field="email")
    user = User.objects.create_user(
        email=email,
        password=None,
        full_name=full_name.strip(),
        role=role,
        is_staff=role == Role.STAFF,
        email_confirmed_at=timezone.now(),
    )
    audit_record(actor=actor, action=AccountsAuditAction.INVITED, target=user, data={"role": role})
    email_queue(
        to=[user.email],
        template="accounts/invitation",
        context={
            "user": user,
            "role": user.get_role_display(),
            "set_password_url": settings.SITE_URL + password_set_path(user=user),
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
