"""Every write to applications. Each state change is one function: it locks the row, checks the
rule, writes the change and its audit event (and any email) in one transaction.

One module per part of the researcher's side: ``lifecycle`` (the row lock and the status choke
point), ``drafts``, ``team``, ``attachments``, ``submission``, ``terms``; what they share is in
``_common``. Import from the package, not from its modules: the private helpers that
``grant_services`` and the tests use (``_ensure_lead``, ``_ensure_requestable``,
``_grant_team_permissions``, ``_revoke_team_permissions``, ``_member_leave``) are re-exported here too."""

from ._common import _ensure_lead as _ensure_lead
from ._common import _grant_team_permissions as _grant_team_permissions
from ._common import _member_leave as _member_leave
from ._common import _revoke_team_permissions as _revoke_team_permissions
from .attachments import application_attachment_add, application_attachment_remove
from .drafts import _ensure_requestable as _ensure_requestable
from .drafts import application_create, application_update
from .lifecycle import application_lock, application_transition
from .submission import (
    ONS_PROJECT_REFERENCE,
    ApplicationNotReady,
    application_ons_reference_record,
    application_query_answer,
    application_resubmit,
    application_submit,
    application_withdraw,
)
from .team import (
    application_member_accept,
    application_member_decline,
    application_member_invite,
    application_member_remove,
)
from .terms import (
    application_member_accept_with_terms,
    terms_accept,
    terms_acceptance_requests_send,
    terms_publish,
)

__all__ = [
    "ONS_PROJECT_REFERENCE",
    "ApplicationNotReady",
    "application_attachment_add",
    "application_attachment_remove",
    "application_create",
    "application_lock",
    "application_member_accept",
    "application_member_accept_with_terms",
    "application_member_decline",
    "application_member_invite",
    "application_member_remove",
    "application_ons_reference_record",
    "application_query_answer",
    "application_resubmit",
    "application_submit",
    "application_transition",
    "application_update",
    "application_withdraw",
    "terms_accept",
    "terms_acceptance_requests_send",
    "terms_publish",
]
