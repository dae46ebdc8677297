"""URL converters shared by the apps' URL patterns."""


class ReferenceConverter:
    """A record's reference: capital letters, digits and hyphens, as ``core.services.reference_next``
    makes them (``APP-2026-0012``) and as imported or test records carry them (``AAP-B-000123``), at
    most 40 characters. Anything else (a NUL byte, a bidi control, a dot, a slash) does not match,
    so the page answers 404 before any query is made."""

    regex = r"[A-Z0-9][A-Z0-9-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
