"""The form of a DOI (no network lookup): ``10.<registrant>/<suffix>``, as Crossref and DataCite
issue them. The registrant code is 4 to 9 digits, optionally followed by dot-separated numeric
sub-parts (``10.1000.10``); the suffix is any run of printable characters without spaces. A DOI is
accepted bare, as ``doi:10.…`` or as a ``https://doi.org/10.…`` link (also ``http://`` and the older
``dx.doi.org``), and kept bare and lower-cased: DOI names are case-insensitive, so one DOI is
always stored, compared and shown one way."""

import re
from urllib.parse import unquote

from django.core.exceptions import ValidationError

DOI_PATTERN = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_RESOLVER_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)

DOI_MESSAGE = (
    "Enter a DOI as 10.<registrant>/<suffix>, e.g. 10.1000/xyz123 (a https://doi.org/ link or "
    "doi: prefix is fine); %(problem)s."
)


def _refuse(problem: str) -> ValidationError:
    return ValidationError(DOI_MESSAGE, code="doi", params={"problem": problem})


def doi_normalise(value: str) -> str:
    """The bare, lower-cased DOI in ``value`` ("" for an empty value), or a ValidationError that
    says what is wrong with it."""
    text = (value or "").strip()
    if not text:
        return ""
    prefix = _RESOLVER_PREFIX.match(text)
    if prefix:
        text = text[prefix.end() :]
        if prefix.group(0).lower().startswith("http"):
            text = unquote(text)  # a link may carry the DOI percent-encoded (10.1000%2Fxyz)
    if any(not c.isprintable() or c.isspace() for c in text):
        raise _refuse("it contains a space or an invisible character")
    if not text.startswith("10."):
        raise _refuse("a DOI starts with 10.")
    if "/" not in text:
        raise _refuse("the registrant code and the suffix are separated by /")
    if not DOI_PATTERN.fullmatch(text):
        registrant, _, suffix = text[3:].partition("/")
        if not suffix:
            raise _refuse("the suffix after / is missing")
        raise _refuse(f"the registrant code {registrant!r} is not 4 to 9 digits (with optional .parts)")
    return text.lower()


def validate_doi(value: str) -> None:
    """A model validator: the stored value must already be a bare, lower-cased DOI."""
    if value and doi_normalise(value) != value:
        raise ValidationError(
            "A DOI is stored bare and lower-cased, e.g. 10.1000/xyz123.", code="doi_not_normalised"
        )
