"""Reads for the transparency app: information pages, the public register, the staff dashboard."""

from django.db.models import QuerySet

from .models import InfoPage, InfoPageVersion

# --- information pages ----------------------------------------------------------------------------


def info_page_get(*, slug: str) -> InfoPage | None:
    return InfoPage.objects.filter(slug=slug).first()


def info_page_list() -> QuerySet[InfoPage]:
    return InfoPage.objects.select_related("updated_by").order_by("title")


def info_page_versions(*, page: InfoPage) -> QuerySet[InfoPageVersion]:
    return page.versions.select_related("saved_by").order_by("-number")


def info_page_version_get(*, slug: str, number: int) -> InfoPageVersion | None:
    return InfoPageVersion.objects.select_related("page").filter(page__slug=slug, number=number).first()


def next_actions_for_staff(user) -> list:
    return []
