"""Rendering of frozen answers (used by the team's version page and the panel's review page)."""

from django import template
from django.utils.html import format_html, format_html_join

from applications.enums import ApplicationSection
from applications.grant_selectors import change_request_summary
from applications.sections import QUESTIONS

register = template.Library()


@register.filter
def answer_sections(answers: dict) -> list[dict]:
    """``answers`` (ApplicationVersion.answers) grouped by section, in the order of the form."""
    answers = answers or {}
    sections = []
    for section in ApplicationSection:
        rows = [
            {"key": q.key, "label": q.label, "value": answers.get(q.key), "required": q.required}
            for q in QUESTIONS
            if q.section == section
        ]
        sections.append({"key": section.value, "label": section.label, "rows": rows})
    return sections


@register.filter
def answer_display(value, required=True):
    """One answer as HTML: lists as bullet lists, yes/no for ticks, a marker for no answer (or
    "None" for an optional list left empty, such as no sensitive uses)."""
    if value in ([], "") and required is False:
        return "None"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value in (None, "", []):
        return format_html('<span class="text-body-secondary fst-italic">{}</span>', "Not answered")
    if isinstance(value, list):
        return format_html(
            '<ul class="mb-0">{}</ul>', format_html_join("", "<li>{}</li>", ((item,) for item in value))
        )
    return format_html('<span class="text-pre-wrap">{}</span>', value)


@register.filter
def change_summary(change_request) -> str:
    """What a change request changes, as a short phrase (``grant_selectors.change_request_summary``)."""
    return change_request_summary(change_request) if change_request else ""
