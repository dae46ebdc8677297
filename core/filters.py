"""Filtering lists: the date filter and the two helpers every filtered list and export uses (what a
search filtered by, for its audit event; a 400 for a search that is not valid), and the audit log's
own search."""

from datetime import date, datetime, time, timedelta

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Model, Q
from django.http import HttpResponseBadRequest
from django.utils import timezone

from .models import AuditEvent
from .widgets import DateInput

#: The dates a search accepts. Nothing the portal keeps is older or newer, and a date near the end of
#: the calendar (9999-12-31) overflowed the day arithmetic of "to (inclusive)" into a server error.
EARLIEST_SEARCH_DATE = date(1900, 1, 1)
LATEST_SEARCH_DATE = date(2999, 12, 31)


class SearchDateField(forms.DateField):
    default_error_messages = {
        "min_value": f"Enter a date from {EARLIEST_SEARCH_DATE.year} on.",
        "max_value": f"Enter a date before {LATEST_SEARCH_DATE.year + 1}.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators += [MinValueValidator(EARLIEST_SEARCH_DATE), MaxValueValidator(LATEST_SEARCH_DATE)]


class SearchDateFilter(django_filters.DateFilter):
    """A date in a search form: a browser date input, refused with a message outside the years the
    portal can hold."""

    field_class = SearchDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DateInput)
        super().__init__(*args, **kwargs)


def _filter_value_text(value) -> str:
    if isinstance(value, Model):
        return str(getattr(value, "reference", value.pk))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple) or hasattr(value, "model"):  # a multiple choice or a queryset
        return ", ".join(_filter_value_text(item) for item in value)
    return str(value)


def filter_values(filterset) -> dict[str, str]:
    """What a search filtered by, for its audit event or a download's header: only the filterset's
    own filters, only their validated values, as text, nothing empty. A search that is not bound or
    not valid filtered by nothing. (Whatever else the query string holds, a NUL byte included, is
    never stored.)"""
    if not filterset.is_bound or not filterset.is_valid():
        return {}
    values = {}
    for name in filterset.filters:
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
            continue
        values[name] = _filter_value_text(value)
    return values


def filter_errors_text(filterset) -> str:
    """The form's errors on one line, each after its field's label."""
    fields = filterset.form.fields
    return " ".join(
        f"{fields[name].label}: {' '.join(errors)}" if name in fields else " ".join(errors)
        for name, errors in filterset.form.errors.items()
    )


def filters_refused(filterset) -> HttpResponseBadRequest | None:
    """For a download: a 400 that says what is wrong with the search, or None when it is valid."""
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(
            f"The filters are not valid. {filter_errors_text(filterset)}",
            content_type="text/plain; charset=utf-8",
        )
    return None


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
    date_from = SearchDateFilter(label="From (date)", method="filter_date_from")
    date_to = SearchDateFilter(label="To (date, inclusive)", method="filter_date_to")

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
