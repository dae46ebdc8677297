"""Searching the audit log."""

from datetime import datetime, time, timedelta

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.db.models import Q
from django.utils import timezone

from .models import AuditEvent
from .widgets import DateInput


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        label="Actor",
        field_name="actor_email",
        lookup_expr="icontains",
        max_length=254,
        help_text="Part of an email address; events by the system have none.",
    )
    action = django_filters.CharFilter(
        label="Action",
        lookup_expr="icontains",
        max_length=100,
        help_text="e.g. panel.decision or accounts.two_factor",
    )
    target = django_filters.CharFilter(
        label="Target",
        method="filter_target",
        max_length=300,
        help_text="A name or reference, a type such as applications.application, or an id.",
    )
    date_from = django_filters.DateFilter(label="From (date)", method="filter_date_from", widget=DateInput)
    date_to = django_filters.DateFilter(
        label="To (date, inclusive)", method="filter_date_to", widget=DateInput
    )

    class Meta:
        model = AuditEvent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        helper = FormHelper()
        helper.form_method = "get"
        helper.form_id = "audit-filter"
        helper.add_input(Submit("", "Search"))
        self.form.helper = helper

    def filter_target(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(target_repr__icontains=value) | Q(target_type__iexact=value) | Q(target_id=value[:64])
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_local_midnight(value + timedelta(days=1)))
