import logging

from django import template
from django.db import DatabaseError

from core.text import one_line_escaped
from notifications.selectors import StaffBanner, ons_staff_banner_for

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def ons_staff_banner(context) -> StaffBanner | None:
    """What the staff banner says about delivery to ONS: for staff only, no query for others.
    Never breaks the page it sits on (the 500 page included)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    try:
        return ons_staff_banner_for(user)
    except DatabaseError:
        logger.warning("ONS banner: could not read the delivery health", exc_info=True)
        return None


@register.filter
def one_line(value) -> str:
    """The value on one line, every control, bidi or zero-width character shown as an escape
    (``\\u000d``): for plain-text messages, where a line break would start a new record."""
    return one_line_escaped(value)
