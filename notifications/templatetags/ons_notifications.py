from django import template

from notifications.selectors import ons_failed_count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def ons_failed_count(context) -> int:
    """Failed ONS notifications, for the staff banner: one count for staff, no query for others."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return ons_failed_count_for(user)
