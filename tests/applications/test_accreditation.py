"""The one accreditation rule (applications.selectors.accreditation_standing), as a table."""

from datetime import date

import pytest

from accounts.enums import AccreditationStatus
from accounts.models import ResearcherProfile
from applications.selectors import AccreditationStanding, accreditation_standing

TODAY, END = date(2026, 6, 1), date(2027, 6, 1)
A = AccreditationStanding


def _profile(status=AccreditationStatus.FULL, number="ONS-1", expires=date(2028, 1, 1)):
    return ResearcherProfile(
        accreditation_status=status, accreditation_number=number, accreditation_expires_on=expires
    )


@pytest.mark.parametrize(
    ("profile", "access_end", "standing"),
    [
        (None, END, A.MISSING),
        (_profile(status=AccreditationStatus.NONE), END, A.MISSING),
        (_profile(number=""), END, A.MISSING),
        (_profile(expires=None), END, A.EXPIRED),
        (_profile(expires=date(2026, 5, 31)), END, A.EXPIRED),
        (_profile(expires=date(2026, 6, 1)), None, A.OK),
        (_profile(expires=date(2027, 5, 31)), END, A.ENDS_TOO_SOON),
        (_profile(expires=date(2027, 6, 1)), END, A.OK),
    ],
)
def test_accreditation_standing(profile, access_end, standing):
    assert accreditation_standing(profile, today=TODAY, access_end=access_end) == standing
