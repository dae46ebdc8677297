"""Writes of grants and of the team's side of change requests, one module per part: grants issued
and closed (``grants``), the archive's own changes and a lifted suspension (``archive``), the change
request's state machine (``change_state``), the team's side (``change_team``) and what an approval
does (``change_approval``). Every name is importable from ``applications.grant_services``."""

from .archive import grant_reissue, grant_removals_apply, grant_resume
from .change_approval import change_request_grant_next
from .change_state import (
    change_request_lock,
    change_request_proposals_drop,
    change_request_transition,
)
from .change_team import (
    CHANGEABLE,
    change_request_member_accept,
    change_request_member_decline,
    change_request_open,
    change_request_withdraw,
)
from .grants import grant_close, grant_issue, grant_issue_for_approval, grant_transition

__all__ = [
    "CHANGEABLE",
    "change_request_grant_next",
    "change_request_lock",
    "change_request_member_accept",
    "change_request_member_decline",
    "change_request_open",
    "change_request_proposals_drop",
    "change_request_transition",
    "change_request_withdraw",
    "grant_close",
    "grant_issue",
    "grant_issue_for_approval",
    "grant_reissue",
    "grant_removals_apply",
    "grant_resume",
    "grant_transition",
]
