import django_filters
from django import forms
from django.db.models import Q

from .enums import AccessLevel, DepositStatus, Geography, Population, UseConditionChangeStatus


def _search_q(value: str) -> Q:
    populations = [code for code, label in Population.choices if value.lower() in label.lower()]
    return (
        Q(title__icontains=value)
        | Q(description__icontains=value)
        | Q(population__in=populations)
        | Q(age_band__icontains=value)
    )


class CatalogueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, description or population"}),
    )
    population = django_filters.ChoiceFilter(choices=Population.choices, empty_label="Any population")
    access_level = django_filters.ChoiceFilter(choices=AccessLevel.choices, empty_label="Any access level")
    geography = django_filters.ChoiceFilter(choices=Geography.choices, empty_label="Any geography")

    def search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(_search_q(value)) if value else queryset


class StaffDepositFilter(CatalogueFilter):
    status = django_filters.ChoiceFilter(choices=DepositStatus.choices, empty_label="Any status")
    pending_change = django_filters.ChoiceFilter(
        label="Use-condition change",
        choices=[("yes", "Waiting for approval")],
        empty_label="Any",
        method="with_pending_change",
    )

    def with_pending_change(self, queryset, name, value):
        if value != "yes":
            return queryset
        return queryset.filter(use_condition_changes__status=UseConditionChangeStatus.PENDING).distinct()

    def search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(_search_q(value) | Q(reference__iexact=value)) if value else queryset
