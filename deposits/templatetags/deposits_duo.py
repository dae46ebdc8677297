"""A deposit's use conditions in the GA4GH Data Use Ontology, for any page that shows them."""

from django import template

from deposits.selectors import deposit_use_conditions_duo

register = template.Library()


@register.filter
def use_conditions_duo(deposit) -> list[dict]:
    """``deposit_use_conditions_duo`` for a template: ``{% with conditions=deposit|use_conditions_duo %}``."""
    return deposit_use_conditions_duo(deposit)
