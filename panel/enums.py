from django.db import models


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


#: Outcomes that grant access.
APPROVALS = frozenset({DecisionOutcome.APPROVED, DecisionOutcome.APPROVED_WITH_CONDITIONS})


class Recommendation(models.TextChoices):
    """What the rules recommend from the votes; only the chair's Decision is binding."""

    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    NO_QUORUM = "no_quorum", "No recommendation yet (quorum not met)"


class ProjectVote(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    ABSTAIN = "abstain", "Abstain"


class ResearcherFit(models.TextChoices):
    SUITABLE = "suitable", "Suitable"
    UNSUITABLE = "unsuitable", "Unsuitable"


class OutcomeRule(models.TextChoices):
    MAJORITY = "majority", "Majority (more than half approve, no majority finds the researcher unsuitable)"
    UNANIMOUS = (
        "unanimous",
        "Unanimous (every non-abstaining vote approves, nobody finds the researcher unsuitable)",
    )


class ReminderKind(models.TextChoices):
    THREE_DAYS = "3_days", "3 days before the deadline"
    ONE_DAY = "1_day", "1 day before the deadline"


class PanelAuditAction:
    MEMBER_ADDED = "panel.membership.added"
    MEMBER_ENDED = "panel.membership.ended"
    MEMBER_CHAIR_CHANGED = "panel.membership.chair_changed"
    INTEREST_DECLARED = "panel.interest.declared"
    INTEREST_WITHDRAWN = "panel.interest.withdrawn"
    CONFLICT_DECLARED = "panel.conflict.declared"
    REVIEW_OPENED = "panel.review.opened"
    QUERY_RAISED = "panel.query.raised"
    VOTE_CAST = "panel.vote.cast"
    VOTE_CHANGED = "panel.vote.changed"
    DECISION_RECORDED = "panel.decision.recorded"
    DECISION_AUTOMATIC = "panel.decision.recorded_automatically"
    REMINDER_SENT = "panel.reminder.sent"
    RULES_CHANGED = "panel.rules.changed"
    QUORUM_REACHED = "panel.quorum.reached"
    #: Named when the notifications app recorded revocations; kept, so old and new rows read alike.
    ACCESS_REVOKED = "notifications.access.revoked"
    CHANGE_REFUSED = "panel.change_request.refused_automatically"
    CHANGE_ROUTED = "panel.change_request.routed"
    CHANGE_CONFLICT_DECLARED = "panel.change_request.conflict_declared"
    CHANGE_VOTE_CAST = "panel.change_request.vote_cast"
    CHANGE_VOTE_CHANGED = "panel.change_request.vote_changed"
    CHANGE_DECIDED = "panel.change_request.decided"
