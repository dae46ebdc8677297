from django.db import models


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    QUERIED = "queried", "Queried"
    RESUBMITTED = "resubmitted", "Resubmitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REVOKED = "revoked", "Access revoked"
    ACCESS_ENDED = "access_ended", "Access ended"


S = ApplicationStatus

#: Every allowed change of status. A transition not listed here is refused.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.QUERIED, S.REJECTED, S.WITHDRAWN}),
    S.QUERIED: frozenset({S.RESUBMITTED, S.WITHDRAWN}),
    S.RESUBMITTED: frozenset({S.UNDER_REVIEW, S.QUERIED, S.REJECTED, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.QUERIED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.REVOKED, S.ACCESS_ENDED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REVOKED: frozenset(),
    S.ACCESS_ENDED: frozenset(),
}

#: States in which the team may still withdraw (anything before a decision).
WITHDRAWABLE = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if S.WITHDRAWN in targets)
#: States the panel sees (submitted and onward, never drafts).
PANEL_VISIBLE = frozenset(
    {
        S.SUBMITTED,
        S.QUERIED,
        S.RESUBMITTED,
        S.UNDER_REVIEW,
        S.APPROVED,
        S.REJECTED,
        S.REVOKED,
        S.ACCESS_ENDED,
        S.WITHDRAWN,
    }
)
DECIDED = frozenset({S.APPROVED, S.REJECTED, S.REVOKED, S.ACCESS_ENDED})


class MemberRole(models.TextChoices):
    LEAD = "lead", "Lead applicant"
    RESEARCHER = "researcher", "Researcher"
    SUPERVISOR = "supervisor", "Supervisor"


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REMOVED = "removed", "Removed"


#: States in which the team may edit the answers (a draft, or after the panel's query).
EDITABLE = frozenset({S.DRAFT, S.QUERIED})


class ApplicationSection(models.TextChoices):
    """The sections of the form, in the order the Five Safes give them."""

    PEOPLE = "people", "Safe people"
    PROJECT = "project", "Safe project"
    DATA = "data", "Safe data"
    SETTINGS = "settings", "Safe settings"
    OUTPUTS = "outputs", "Safe outputs"
    DECLARATIONS = "declarations", "Declarations"


class AccessRoute(models.TextChoices):
    """How the team will reach the data in the ONS Secure Research Service."""

    SAFE_ROOM = "safe_room", "SRS safe room"
    ASSURED_REMOTE = "assured_remote", "Remote, via an assured connection"


class ApplicationsAuditAction:
    CREATED = "applications.application.created"
    SAVED = "applications.application.saved"
    SUBMITTED = "applications.application.submitted"
    RESUBMITTED = "applications.application.resubmitted"
    WITHDRAWN = "applications.application.withdrawn"
    STATUS_CHANGED = "applications.application.status_changed"
    MEMBER_INVITED = "applications.member.invited"
    MEMBER_ACCEPTED = "applications.member.accepted"
    MEMBER_DECLINED = "applications.member.declined"
    MEMBER_REMOVED = "applications.member.removed"
    ATTACHMENT_ADDED = "applications.attachment.added"
    ATTACHMENT_REMOVED = "applications.attachment.removed"
    QUERY_ANSWERED = "applications.query.answered"
