from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.models import TimeStampedModel
from core.text import OneLineCharField, email_canonical

from .enums import PANEL_ROLES, ROLE_AS, AccreditationStatus, OrganisationSector, Role
from .validators import validate_orcid

#: Words written before a name that are not a name (compared without a final dot, case-insensitively).
NAME_TITLES = frozenset(
    {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "lord", "lady", "rev", "revd"}
)


def short_name_of(full_name: str) -> str:
    """What the portal calls a person in a greeting: the first word of their name that is not a
    title ("Dr Jane Smith" is Jane), or the whole name when it has no such word."""
    words = full_name.split()
    for word in words:
        if word.rstrip(".").lower() not in NAME_TITLES:
            return word
    return " ".join(words)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, *, password_hash: str | None = None, **extra):
        """``password_hash``: a hash the caller already made (``make_password``), instead of
        ``password``."""
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email_canonical(email), **extra)
        if password_hash is None:
            user.set_password(password)
        else:
            user.password = password_hash
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("role", Role.RESEARCHER)
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(role=Role.STAFF, is_staff=True, is_superuser=True, email_confirmed_at=timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in by email. Exactly one role decides what the portal shows them."""

    email = models.EmailField("email address", unique=True)
    full_name = OneLineCharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESEARCHER, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("admin site access", default=False)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    security_stamp = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="Changes when the password or second factor changes; every other session then ends.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return short_name_of(self.full_name) or self.email

    def _get_session_auth_hash(self, secret=None):
        """Django ends a session whose stored hash no longer matches; including the security stamp
        lets a change of second factor end every other session, as a password change does."""
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}|{self.security_stamp}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def role_as(self) -> str:
        """The role in a sentence: "a researcher", "a panel chair", "archive staff"."""
        return ROLE_AS.get(self.role, self.get_role_display().lower())

    @property
    def is_researcher(self) -> bool:
        return self.role == Role.RESEARCHER

    @property
    def is_panel_member(self) -> bool:
        """Members and chairs both sit on the panel."""
        return self.role in PANEL_ROLES

    @property
    def is_panel_chair(self) -> bool:
        return self.role == Role.PANEL_CHAIR

    @property
    def is_portal_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def needs_second_factor(self) -> bool:
        return self.role != Role.RESEARCHER


class ResearcherProfile(TimeStampedModel):
    """Who a researcher is, where they work and their ONS accreditation."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="researcher_profile")
    organisation = OneLineCharField(max_length=200, blank=True)
    sector = models.CharField(max_length=30, choices=OrganisationSector.choices, blank=True)
    job_title = OneLineCharField(max_length=150, blank=True)
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text="Format 0000-0002-1825-0097.",
    )
    accreditation_status = models.CharField(
        "ONS accredited researcher status",
        max_length=20,
        choices=AccreditationStatus.choices,
        default=AccreditationStatus.NONE,
    )
    accreditation_number = OneLineCharField(max_length=40, blank=True)
    accreditation_expires_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def is_accredited(self) -> bool:
        return self.accreditation_status != AccreditationStatus.NONE and bool(self.accreditation_number)

    def accreditation_valid_on(self, day) -> bool:
        return (
            self.is_accredited
            and self.accreditation_expires_on is not None
            and self.accreditation_expires_on >= day
        )
