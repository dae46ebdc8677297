import re

from django.core.exceptions import ValidationError

ORCID_PATTERN = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, as ORCID defines it."""
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    return digits[-1] == check


def validate_orcid(value: str) -> None:
    if not value:
        return
    if not ORCID_PATTERN.match(value):
        raise ValidationError(
            "Enter an ORCID iD as four groups of four, e.g. 0000-0002-1825-0097.", code="format"
        )
    if not orcid_checksum_ok(value):
        raise ValidationError(
            "This ORCID iD's check digit is wrong; please check it for a typing mistake.", code="checksum"
        )
