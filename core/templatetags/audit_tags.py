import json

from django import template

register = template.Library()


@register.filter
def as_json(value, indent=None) -> str:
    """An audit event's data as JSON (escaped by the template as any text): compact, or indented
    by ``indent`` spaces (``{{ event.data|as_json:2 }}``) to be read in a ``<pre>``."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, indent=indent)
