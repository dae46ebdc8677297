import json

from django import template

register = template.Library()


@register.filter
def as_json(value) -> str:
    """Compact JSON for an audit event's data (escaped by the template as any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
