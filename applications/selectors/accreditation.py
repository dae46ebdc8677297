"""The one rule for a team member's ONS accreditation."""

from __future__ import annotations

from datetime import date


class AccreditationStanding:
    """What ``accreditation_standing`` answers."""

    OK = "ok"
    MISSING = "missing"
    EXPIRED = "expired"
    ENDS_TOO_SOON = "ends_too_soon"


def accreditation_standing(profile, *, today: date, access_end: date | None) -> str:
    """The one rule for a team member's ONS accreditation: recorded (a status and a number), valid
    on ``today`` and still valid on the requested ``access_end``. Submission refuses anything but
    OK, accepting an invitation refuses MISSING, and the panel's review page shows the answer."""
    if profile is None or not profile.is_accredited:
        return AccreditationStanding.MISSING
    if not profile.accreditation_valid_on(today):
        return AccreditationStanding.EXPIRED
    if access_end and not profile.accreditation_valid_on(access_end):
        return AccreditationStanding.ENDS_TOO_SOON
    return AccreditationStanding.OK
