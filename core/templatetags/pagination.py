from django import template

register = template.Library()


@register.inclusion_tag("includes/_pagination.html", takes_context=True)
def pagination(context, page=None, param: str = "page", keep: str | None = None, label: str = ""):
    """One pager for every list. On a ListView page ``{% pagination %}`` needs nothing (page_obj and
    query_string come from the context); a page with several lists passes each list's Page, its
    query-string parameter, the rest of the query string and what the list is."""
    return {
        "pager": page if page is not None else context.get("page_obj"),
        "parameter": param,
        "kept": keep if keep is not None else context.get("query_string", ""),
        "label": label,
    }
