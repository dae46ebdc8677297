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
#: The team records and edits outputs: the project was approved (publications come late, so also
#: after access ended or was revoked).
OUTPUTS_RECORDABLE = GRANTED
#: Access is live (granted and running, neither revoked nor ended): progress reports fall due, the
#: lead may close the project early (both move to ACCESS_ENDED, the one way a live project closes,
#: at its end date or at the team's request), and a new version of the terms of access asks these
#: teams to accept again within its period.
LIVE = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if S.ACCESS_ENDED in targets)
#: The team must hold an acceptance of the terms of access in force: from the draft until access
#: ends (every status but those closed for good other than a live grant).
TERMS_REQUIRED = frozenset(ALLOWED_TRANSITIONS) - (CLOSED - LIVE)


class MemberRole(models.TextChoices):
    LEAD = "lead", "Lead applicant"
    RESEARCHER = "researcher", "Researcher"
    SUPERVISOR = "supervisor", "Supervisor"


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REMOVED = "removed", "Removed"
    #: Accepted an invitation made by a change request on a live grant: joins the team (and the
    #: grant) only when the change request is approved.
    PROPOSED = "proposed", "Accepted, joins when the change is approved"


# --- Grants and change requests -------------------------------------------------------------------


class GrantStatus(models.TextChoices):
    """A grant of access: what the panel approved (grant 1) or a change request changed (grant n+1)."""

    LIVE = "live", "Live"
    SUSPENDED = "suspended", "Suspended"
    SUPERSEDED = "superseded", "Superseded"
    REVOKED = "revoked", "Revoked"
    ENDED = "ended", "Ended"


G = GrantStatus

#: Every allowed change of a grant's status; superseded, revoked and ended are final.
GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    G.LIVE: frozenset({G.SUSPENDED, G.SUPERSEDED, G.REVOKED, G.ENDED}),
    G.SUSPENDED: frozenset({G.LIVE, G.SUPERSEDED, G.REVOKED, G.ENDED}),
    G.SUPERSEDED: frozenset(),
    G.REVOKED: frozenset(),
    G.ENDED: frozenset(),
}
#: The grant in force: at most one per application (a database constraint), the last of its chain.
GRANT_IN_FORCE = frozenset(s for s in GrantStatus if s != G.SUPERSEDED)


class ChangeRequestStatus(models.TextChoices):
    AWAITING_TEAM = "awaiting_team", "Waiting for co-applicants to accept"
    SUBMITTED = "submitted", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REFUSED = "refused", "Refused automatically"
    WITHDRAWN = "withdrawn", "Withdrawn"
    LAPSED = "lapsed", "Lapsed (the grant is no longer live)"


C = ChangeRequestStatus

#: Every allowed change of a change request's status. A refusal (a use condition broken) happens
#: inside the submitting transaction.
CHANGE_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    C.AWAITING_TEAM: frozenset({C.SUBMITTED, C.WITHDRAWN, C.LAPSED}),
    C.SUBMITTED: frozenset({C.APPROVED, C.REJECTED, C.REFUSED, C.WITHDRAWN, C.LAPSED}),
    C.APPROVED: frozenset(),
    C.REJECTED: frozenset(),
    C.REFUSED: frozenset(),
    C.WITHDRAWN: frozenset(),
    C.LAPSED: frozenset(),
}
#: Not yet decided: the lead may withdraw it, and the grant has no other open one.
CHANGE_REQUEST_OPEN = frozenset({C.AWAITING_TEAM, C.SUBMITTED})


class ChangeRoute(models.TextChoices):
    """Who decides a change request (panel/rules.py: change_request_route)."""

    STAFF = "staff", "Delegated to staff"
    CHAIR = "chair", "The panel chair"
    PANEL = "panel", "The panel votes, then the chair decides"


class ChangeKind(models.TextChoices):
    MEMBER_ADD = "member_add", "Add a team member"
    MEMBER_REMOVE = "member_remove", "Remove a team member"
    DEPOSIT_ADD = "deposit_add", "Add a deposit"
    DEPOSIT_REMOVE = "deposit_remove", "Remove a deposit"
    PURPOSE = "purpose", "Change of purpose"
    OUTPUTS = "outputs", "Change of outputs"
    EXTENSION = "extension", "Extension of the access end"


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
    GRANT_ISSUED = "applications.grant.issued"
    GRANT_STATUS_CHANGED = "applications.grant.status_changed"
    GRANT_RESUMED = "applications.grant.resumed"
    MEMBER_ACCESS_ENDED = "applications.member.access_ended"
    ACCREDITATION_REMINDED = "applications.accreditation.reminded"
    CHANGE_REQUESTED = "applications.change_request.opened"
    CHANGE_SUBMITTED = "applications.change_request.submitted"
    CHANGE_WITHDRAWN = "applications.change_request.withdrawn"
    CHANGE_STATUS_CHANGED = "applications.change_request.status_changed"
    TERMS_PUBLISHED = "applications.terms.published"
    TERMS_ACCEPTED = "applications.terms.accepted"
    TERMS_ACCEPTANCE_REQUESTED = "applications.terms.acceptance_requested"
    OUTPUT_RECORDED = "applications.output.recorded"
    OUTPUT_CHANGED = "applications.output.changed"
    OUTPUT_REMOVED = "applications.output.removed"
    REPORT_SCHEDULED = "applications.report.scheduled"
    REPORT_SUPERSEDED = "applications.report.superseded"
    REPORT_SUBMITTED = "applications.report.submitted"
    REPORT_REMINDER_SENT = "applications.report.reminder_sent"
    CLOSED_EARLY = "applications.application.closed_early"


class OutputKind(models.TextChoices):
    """What a project produced, as the team records it."""

    PUBLICATION = "publication", "Publication"
    REPORT = "report", "Report"
    DATASET = "dataset", "Dataset"
    PRESENTATION = "presentation", "Presentation"
    OTHER = "other", "Other"


class AccreditationReminderKind(models.TextChoices):
    """The warnings before a team member's ONS accreditation expires inside a grant's access period
    (``days`` before the expiry)."""

    DAYS_90 = "90_days", "90 days before"
    DAYS_30 = "30_days", "30 days before"

    @property
    def days(self) -> int:
        return {"90_days": 90, "30_days": 30}[self.value]


class ReportKind(models.TextChoices):
    PROGRESS = "progress", "Annual progress report"
    CLOSING = "closing", "Closing report"


class ReportReminderKind(models.TextChoices):
    """The reminders before a report's deadline (``days`` before it)."""

    DAYS_30 = "30_days", "30 days before"
    DAYS_7 = "7_days", "7 days before"

    @property
    def days(self) -> int:
        return {"30_days": 30, "7_days": 7}[self.value]
