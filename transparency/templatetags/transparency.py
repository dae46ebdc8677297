from django import template

from ..selectors import register_entries_for_deposit as _register_entries_for_deposit

register = template.Library()


@register.simple_tag
def register_entries_for_deposit(deposit):
    """``{% register_entries_for_deposit deposit as entries %}``: the register's projects using it."""
    return _register_entries_for_deposit(deposit)
