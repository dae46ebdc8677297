"""What deposits announce, for the higher apps to react to (applications/receivers.py). Each is sent
inside the transaction that made the change, so a receiver's writes commit or roll back with it."""

from django.dispatch import Signal

#: The participants' conditions on a deposit now differ: a held change to its use conditions was
#: approved by a second staff member, or the deposit was suspended or withdrawn. Arguments:
#: ``deposit``, ``cause`` ("use_conditions", "suspended" or "withdrawn"). Every live grant using it
#: is screened again (applications: ``grants_rescreen_for_deposit``) once this commits.
deposit_conditions_changed = Signal()
