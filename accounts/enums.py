from django.db import models


class Role(models.TextChoices):
    RESEARCHER = "researcher", "Researcher"
    PANEL_MEMBER = "panel_member", "Panel member"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    STAFF = "staff", "Staff"


#: Roles that staff create or invite; they are never self-registered.
INVITED_ROLES = (Role.PANEL_MEMBER, Role.PANEL_CHAIR, Role.STAFF)
PANEL_ROLES = (Role.PANEL_MEMBER, Role.PANEL_CHAIR)

#: Each role as the end of "You are signed in as …".
ROLE_AS = {
    Role.RESEARCHER: "a researcher",
    Role.PANEL_MEMBER: "a panel member",
    Role.PANEL_CHAIR: "a panel chair",
    Role.STAFF: "archive staff",
}


class OrganisationSector(models.TextChoices):
    UNIVERSITY = "university", "University"
    CHARITY = "charity", "Charity"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    CENTRAL_GOVERNMENT = "central_government", "Central government"
    NHS = "nhs", "NHS"
    INDEPENDENT_RESEARCH = "independent_research", "Independent research organisation"
    COMMERCIAL = "commercial", "Commercial"
    OTHER = "other", "Other"


class AccreditationStatus(models.TextChoices):
    NONE = "none", "Not accredited"
    PROVISIONAL = "provisional", "Provisional"
    FULL = "full", "Full"


class AccountsAuditAction:
    SIGNED_UP = "accounts.user.signed_up"
    EMAIL_CONFIRMED = "accounts.user.email_confirmed"
    INVITED = "accounts.user.invited"
    ROLE_CHANGED = "accounts.user.role_changed"
    DEACTIVATED = "accounts.user.deactivated"
    LOGGED_IN = "accounts.user.logged_in"
    LOGGED_OUT = "accounts.user.logged_out"
    LOGIN_FAILED = "accounts.user.login_failed"
    LOCKED_OUT = "accounts.user.locked_out"
    PASSWORD_CHANGED = "accounts.user.password_changed"  # noqa: S105 (an audit action name, not a secret)
    PASSWORD_RESET = "accounts.user.password_reset"  # noqa: S105 (an audit action name, not a secret)
    PROFILE_UPDATED = "accounts.profile.updated"
    EMAIL_CHANGE_REQUESTED = "accounts.user.email_change_requested"
    EMAIL_CHANGED = "accounts.user.email_changed"
    REAUTHENTICATED = "accounts.user.reauthenticated"
    REAUTHENTICATION_FAILED = "accounts.user.reauthentication_failed"
    SESSION_EXPIRED = "accounts.user.session_expired"
    LOCKOUT_CLEARED = "accounts.user.lockout_cleared"
    TWO_FACTOR_ENROLLED = "accounts.two_factor.enrolled"
    TWO_FACTOR_VERIFIED = "accounts.two_factor.verified"
    TWO_FACTOR_FAILED = "accounts.two_factor.failed"
    TWO_FACTOR_RECOVERY_CODE_USED = "accounts.two_factor.recovery_code_used"
    TWO_FACTOR_RECOVERY_CODES_REGENERATED = "accounts.two_factor.recovery_codes_regenerated"
    TWO_FACTOR_REMOVED = "accounts.two_factor.removed"
    TWO_FACTOR_RESET = "accounts.two_factor.reset"
