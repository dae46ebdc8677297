"""Every write of the panel. Each function locks what it changes, checks the rule, writes the change,
its audit event and any email in one transaction."""

from ._common import AUTOMATIC_PUBLIC_RATIONALE, REMINDER_OFFSETS
from .changes import (
    CHANGE_VOTING_DAYS,
    change_conflict_declare,
    change_request_decide,
    change_request_route_assign,
    change_request_screen_use_conditions,
    change_vote_cast,
    grant_change_kind,
)
from .decisions import (
    application_revoke,
    application_screen_use_conditions,
    automatic_rejection_rationale,
    decision_record,
    decision_record_automatic_rejection,
    submission_staff_alert,
    withdrawal_reviewers_notify,
)
from .membership import (
    member_interest_declare,
    member_interest_withdraw,
    panel_member_add,
    panel_member_remove,
    panel_rules_update,
)
from .review import application_query_raise, conflict_declare, review_open, vote_cast, vote_reminders_send

__all__ = [
    "AUTOMATIC_PUBLIC_RATIONALE",
    "CHANGE_VOTING_DAYS",
    "REMINDER_OFFSETS",
    "application_query_raise",
    "application_revoke",
    "application_screen_use_conditions",
    "automatic_rejection_rationale",
    "change_conflict_declare",
    "change_request_decide",
    "change_request_route_assign",
    "change_request_screen_use_conditions",
    "change_vote_cast",
    "conflict_declare",
    "decision_record",
    "decision_record_automatic_rejection",
    "grant_change_kind",
    "member_interest_declare",
    "member_interest_withdraw",
    "panel_member_add",
    "panel_member_remove",
    "panel_rules_update",
    "review_open",
    "submission_staff_alert",
    "vote_cast",
    "vote_reminders_send",
    "withdrawal_reviewers_notify",
]
