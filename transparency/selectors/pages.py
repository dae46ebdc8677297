"""Information pages and their versions."""

import difflib
from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)

from ..models import InfoPage, InfoPageVersion

# --- information pages ----------------------------------------------------------------------------


def info_page_get(*, slug: str) -> InfoPage | None:
    return InfoPage.objects.filter(slug=slug).first()


def info_page_list() -> QuerySet[InfoPage]:
    return InfoPage.objects.select_related("updated_by").order_by("title")


def info_page_versions(*, page: InfoPage) -> QuerySet[InfoPageVersion]:
    return page.versions.select_related("saved_by").order_by("-number")


def info_page_version_get(*, slug: str, number: int) -> InfoPageVersion | None:
    return InfoPageVersion.objects.select_related("page").filter(page__slug=slug, number=number).first()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed" or "added"
    text: str


def info_page_version_changes(version: InfoPageVersion) -> list[DiffLine] | None:
    """What changed from the previous version, line by line (Markdown source; unchanged lines kept
    for context). None for the first version."""
    previous = InfoPageVersion.objects.filter(page_id=version.page_id, number=version.number - 1).first()
    if previous is None:
        return None
    old = [f"# {previous.title}", *previous.body.splitlines()]
    new = [f"# {version.title}", *version.body.splitlines()]
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return [
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(old, new)
        if line[0] in kinds and (line[0] != " " or line[2:].strip())
    ]
