"""The researcher's screens. Every view under an application first finds it among the
applications on the user's team and answers 404 otherwise (never confirming it exists); a team
member who may see but not do something gets 403.

One module per part of the researcher's side: ``lists`` ("my applications" and starting a draft),
``detail`` (the application's page and a submitted version), ``sections`` (the form), ``team``,
``invitations``, ``attachments``, ``submission`` (submit, resubmit, withdraw, the ONS reference
and the panel's questions); what they share (``TeamApplicationMixin``, which ``change_views``,
``terms_views`` and ``after_approval.views`` build on too) is in ``_common``. Import from the
package, not from its modules: ``urls.py`` reads ``views.<name>``."""

from ._common import TeamApplicationMixin
from .attachments import AttachmentAddView, AttachmentDownloadView, AttachmentRemoveView
from .detail import ApplicationDetailView, VersionDetailView
from .invitations import InvitationView
from .lists import ApplicationCreateView, MyApplicationsView
from .sections import ApplicationSectionView
from .submission import (
    ApplicationOnsReferenceView,
    ApplicationResubmitView,
    ApplicationSubmitView,
    ApplicationWithdrawView,
    QueryAnswerView,
    QueryListView,
)
from .team import MemberInviteView, MemberRemoveView

__all__ = [
    "ApplicationCreateView",
    "ApplicationDetailView",
    "ApplicationOnsReferenceView",
    "ApplicationResubmitView",
    "ApplicationSectionView",
    "ApplicationSubmitView",
    "ApplicationWithdrawView",
    "AttachmentAddView",
    "AttachmentDownloadView",
    "AttachmentRemoveView",
    "InvitationView",
    "MemberInviteView",
    "MemberRemoveView",
    "MyApplicationsView",
    "QueryAnswerView",
    "QueryListView",
    "TeamApplicationMixin",
    "VersionDetailView",
]
