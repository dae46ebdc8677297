"""Every named URL of the project with sample arguments, read from the URL resolver so that a new
page is covered without editing a list."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

SAMPLE_BY_CONVERTER = {
    "IntConverter": 1,
    "UUIDConverter": uuid.UUID(int=1),
    "PathConverter": "x/y",
    "ReferenceConverter": "XXX-0000-0000",
}


def _walk(patterns, namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if entry.namespace and namespace:
                inner = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            converters = getattr(entry.pattern, "converters", {})
            kwargs = {
                key: SAMPLE_BY_CONVERTER.get(type(conv).__name__, "x") for key, conv in converters.items()
            }
            yield name, kwargs


def named_urls() -> list[tuple[str, str]]:
    """(url name, path) for every named pattern that reverses with sample arguments."""
    found: dict[str, str] = {}
    for name, kwargs in _walk(get_resolver().url_patterns):
        try:
            found.setdefault(name, reverse(name, kwargs=kwargs or None))
        except NoReverseMatch:
            continue
    return sorted(found.items())
