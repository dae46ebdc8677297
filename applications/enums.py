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

# --- Status groups ---------------------------------------------------------------------------------
# Every set of statuses a rule asks about, here beside the table they follow from; nowhere else.

#: Before a decision: the team may still withdraw (every status with a move to WITHDRAWN).
WITHDRAWABLE = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if S.WITHDRAWN in targets)
#: The team may edit the answers: a draft, or after the panel's query.
EDITABLE = frozenset({S.DRAFT, S.QUERIED})
#: Sent in at least once: what the panel and staff see (submitted and onward, never drafts).
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
#: Waiting for staff to screen it before the panel sees this version.
AWAITING_SCREENING = frozenset({S.SUBMITTED, S.RESUBMITTED})
#: The panel is reviewing it: voting open, or paused while the team answers a query.
REVIEWING = frozenset({S.UNDER_REVIEW, S.QUERIED, S.RESUBMITTED})
#: The chair or staff may query the team (every status with a move to QUERIED).
QUERYABLE = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if S.QUERIED in targets)
#: A decision was made (access may since have been revoked or have ended).
DECIDED = frozenset({S.APPROVED, S.REJECTED, S.REVOKED, S.ACCESS_ENDED})
#: Closed for good, so voting on it is over: decided or withdrawn.
CLOSED = DECIDED | {S.WITHDRAWN}
#: Access was granted at some point (it may since have been revoked or ended): the public register's.
GRANTED = frozenset({S.APPROVED, S.REVOKED, S.ACCESS_ENDED})


class MemberRole(models.TextChoices):
    LEAD = "lead", "Lead applicant"
    RESEARCHER = "researcher", "Researcher"
    SUPERVISOR = "supervisor", "Supervisor"


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REMOVED = "removed", "Removed"


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
    ONS_REFERENCE_RECORDED = "applications.application.ons_reference_recorded"
