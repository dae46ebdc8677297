"""Markdown from staff, rendered safely (the public information pages, the terms of access), in two
layers:

1. Python-Markdown without its raw-HTML handling: HTML in the source is shown as text, never
   interpreted (a page may talk about ``<script>``; nothing runs).
2. nh3 then keeps only an allow-list of tags and attributes, and links only with http, https or
   mailto, so even a Markdown construct that produced something unexpected cannot reach the page.
"""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
        "abbr", "dl", "dt", "dd",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


class _NoRawHtml(Extension):
    """Remove the block and inline patterns that pass HTML through: it is escaped as text instead."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def markdown_to_safe_html(text: str) -> SafeString:
    html = markdown.markdown(
        text or "",
        extensions=[_NoRawHtml(), "tables", "sane_lists", "def_list", "abbr"],
        output_format="html",
    )
    # The page has its own <h1>: a top-level Markdown heading becomes <h2>.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (nh3 has just removed everything outside the allow-list)
