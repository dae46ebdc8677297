"""Filters for the public register and the staff dashboard (django-filter). The page, its CSV and
its JSON are all built from the same FilterSet, so they always hold the same rows."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import Q

from accounts.enums import OrganisationSector
from applications.enums import GRANTED, ApplicationStatus
from applications.models import Application
from core.filters import SearchDateFilter
from core.widgets import Select
from deposits.models import Deposit
from panel.enums import DecisionOutcome

from .selectors import register_base_queryset


def _register_deposits():
    """Only deposits some register entry uses."""
    return (
        Deposit.objects.filter(applications__in=register_base_queryset())
        .distinct()
        .only("id", "reference", "title")
        .order_by("reference")
    )


class _GridFormMixin:
    """Lay the filter fields out in a compact grid: ``grid`` is a list of rows of (field, width)."""

    grid: list[list[tuple[str, int]]] = []

    @property
    def form(self):
        form = super().form
        if not hasattr(form, "helper"):
            form.helper = FormHelper()
            form.helper.form_tag = False
            form.helper.disable_csrf = True
            form.helper.layout = Layout(
                *(
                    Row(*(Column(name, css_class=f"col-md-{width}") for name, width in row))
                    for row in self.grid
                )
            )
        return form


def _deposit_filter(deposits, *, label: str) -> django_filters.ChoiceFilter:
    """Applications using one deposit, chosen by its reference. The options are the references and
    titles of ``deposits()`` read as values, not a model instance per deposit, and written by
    ``core.widgets.Select``: with the archive's 1,000 deposits this field cost 43 ms a page."""

    def choices():
        return [(ref, f"{ref} {title}") for ref, title in deposits().values_list("reference", "title")]

    return django_filters.ChoiceFilter(
        field_name="deposits__reference",
        choices=choices,
        label=label,
        empty_label="Any deposit",
        widget=Select,
    )


def _lead_sector_filter(*, label: str, field_name: str) -> django_filters.ChoiceFilter:
    """Applications whose lead's organisation is in one sector."""
    return django_filters.ChoiceFilter(
        field_name=field_name,
        choices=OrganisationSector.choices,
        label=label,
        empty_label="Any sector",
    )


class RegisterFilter(_GridFormMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    deposit = _deposit_filter(_register_deposits, label="Data used (deposit)")
    # The lead as the decision recorded them (lead first in Decision.team), as the register shows.
    sector = _lead_sector_filter(label="Lead organisation's sector", field_name="decision__team__0__sector")
    year = django_filters.NumberFilter(
        field_name="decision__decided_at",
        lookup_expr="year",
        label="Year of decision",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 2026"}),
    )
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in ApplicationStatus if s in GRANTED],
        label="Status",
        empty_label="Any status",
    )

    grid = [[("q", 6), ("deposit", 6)], [("sector", 4), ("year", 4), ("status", 4)]]

    class Meta:
        model = Application
        fields = ["q", "deposit", "sector", "year", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(lay_summary__icontains=value)
            | Q(reference__iexact=value)
            | Q(decision__team__0__organisation__icontains=value)
            | Q(decision__public_rationale__icontains=value)
        )


def _all_deposits():
    return Deposit.objects.order_by("reference")


class DashboardFilter(_GridFormMixin, django_filters.FilterSet):
    """Staff dashboard: which applications the charts, tables and exports cover."""

    submitted_from = SearchDateFilter(
        field_name="first_submitted_at", lookup_expr="date__gte", label="First submitted on or after"
    )
    submitted_to = SearchDateFilter(
        field_name="first_submitted_at", lookup_expr="date__lte", label="First submitted on or before"
    )
    deposit = _deposit_filter(_all_deposits, label="Deposit")
    # Undecided applications too: the lead's profile as it is now.
    sector = _lead_sector_filter(label="Lead's sector", field_name="lead__researcher_profile__sector")
    status = django_filters.ChoiceFilter(
        choices=[c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        label="Status",
        empty_label="Any status",
    )
    outcome = django_filters.ChoiceFilter(
        method="filter_outcome",
        choices=[*DecisionOutcome.choices, ("automatic", "Rejected automatically"), ("none", "Not decided")],
        label="Decision",
        empty_label="Any",
    )

    grid = [
        [("submitted_from", 4), ("submitted_to", 4), ("deposit", 4)],
        [("sector", 4), ("status", 4), ("outcome", 4)],
    ]

    class Meta:
        model = Application
        fields = ["submitted_from", "submitted_to", "deposit", "sector", "status", "outcome"]

    def filter_outcome(self, queryset, name, value):
        if value == "automatic":
            return queryset.filter(decision__is_automatic=True)
        if value == "none":
            return queryset.filter(decision__isnull=True)
        return queryset.filter(decision__outcome=value, decision__is_automatic=False)
