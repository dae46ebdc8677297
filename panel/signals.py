"""What the panel announces, for the higher apps to react to (notifications/receivers.py). Each is
sent inside the transaction that made the change, so a receiver's writes commit or roll back with
it: a decision never exists without its ONS notification, and a rolled-back one never notifies."""

from django.dispatch import Signal

#: A decision was recorded, by a chair or automatically on submission, after the Decision row and
#: the application's new status are written, with the application row locked. Arguments:
#: ``decision`` (its ``application`` is the locked instance) and ``grant`` (the grant 1 an approval
#: issued; None for a rejection; a receiver that is not sent it reads it itself).
decision_recorded = Signal()

#: Staff revoked an approved application's access, after the Revocation row and the status *revoked*
#: are written. Arguments: ``revocation``.
access_revoked = Signal()

#: A change request on a live grant was approved: ``grant`` (the new grant) supersedes ``previous``.
#: Arguments: ``grant``, ``previous``, ``kind`` ("extended" when only the access end changed, else
#: "amended"), ``change_request``. Sent inside the approving transaction, after the new grant, the
#: team's changes and the audit event are written (ONS: ``access.amended`` / ``access.extended``).
grant_changed = Signal()
