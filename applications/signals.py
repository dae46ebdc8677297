"""What applications announce, for the higher apps to react to (panel/receivers.py). Each is sent
inside the transaction that made the change, so a receiver's writes commit or roll back with it."""

from django.dispatch import Signal

#: A version was submitted (the first, or a resubmission after the panel's questions).
#: Arguments: ``application``, ``version`` (the frozen ApplicationVersion), ``actor``.
#: The panel may reject the application automatically in its receiver (a use-condition match), so
#: the sender reads the status again after sending.
application_submitted = Signal()

#: The lead withdrew the application. Arguments: ``application``, ``actor``, ``previous_status``.
application_withdrawn = Signal()

#: A change request on a live grant is complete (every co-applicant it invites has accepted) and
#: waits for a decision. Arguments: ``change_request``, ``actor``. The panel screens it against the
#: use conditions (it may refuse it at once) and routes it (panel/receivers.py), so the sender reads
#: the status again after sending.
change_request_submitted = Signal()

#: A live project's access ended, after the status *access ended*, the ApplicationClosure row and
#: the closing report are written, inside that transaction: early at the lead's request
#: (``early=True``, with the lead's ``reason``; ``applications.after_approval.services:
#: application_close_early``) or at the end of its access period (``early=False``, from
#: ``transparency.services.access_period_end``, which tells ONS ``access.expired`` itself).
#: Arguments: ``application``, ``closed_at`` (a datetime), ``reason`` (may be empty), ``early``.
access_closed = Signal()


#: The re-screen suspended a live grant: a deposit it uses was suspended or withdrawn, its use
#: conditions changed so that the grant now breaks them, or the lead's accreditation lapsed.
#: Arguments: ``grant`` (now suspended), ``reasons`` (each a sentence). Sent inside the suspending
#: transaction (ONS: ``access.suspended``).
grant_suspended = Signal()

#: The archive issued grant n+1 itself, without a change request: a withdrawn deposit, or a
#: co-applicant whose accreditation lapsed, taken off grant n. Arguments: ``grant`` (the new one),
#: ``previous`` (the one it supersedes), ``reasons`` (each a sentence). Sent inside the issuing
#: transaction (ONS: ``access.amended``).
grant_amended = Signal()

#: Staff lifted a suspension: grant n+1, live, supersedes the suspended grant n. Arguments:
#: ``grant``, ``previous``, ``note`` (the staff member's). Sent inside that transaction (ONS:
#: ``access.resumed``).
grant_resumed = Signal()
