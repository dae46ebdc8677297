"""URL converters shared by the apps' URL patterns."""


class ReferenceConverter:
    """A record's reference as ``core.services.reference_next`` makes it: ``APP-2026-0012``,
    ``DEP-2026-0003``. Anything else (a NUL byte, a bidi control, a path) does not match the pattern,
    so the page answers 404 before any query is made."""

    regex = r"[A-Z]{2,10}-[0-9]{4}-[0-9]{4,10}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
