"""Searching the staff application list (django-filter). The panel queue's search is
``panel.forms.QueueSearchForm`` with ``panel.selectors.queue_search``: it matches only what every
member's queue shows."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django.db.models import Exists, OuterRef, Q

from applications.enums import ApplicationStatus, MemberStatus
from applications.models import Application, ApplicationMember
from deposits.models import Deposit

#: What a search box accepts; longer input is refused with a message, never sent to the database.
SEARCH_MAX_LENGTH = 200


class StaffApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
        help_text="A reference, title, team member's name or email, or organisation.",
    )
    deposit = django_filters.CharFilter(
        label="Deposit",
        method="filter_deposit",
        max_length=SEARCH_MAX_LENGTH,
        help_text="A deposit's reference or title.",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        empty_label="Any status",
    )

    class Meta:
        model = Application
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        helper = FormHelper()
        helper.form_method = "get"
        helper.form_id = "application-search"
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-6"),
                Column("deposit", css_class="col-md-3"),
                Column("status", css_class="col-md-3"),
            )
        )
        helper.add_input(Submit("", "Search"))
        self.form.helper = helper

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        on_team = ApplicationMember.objects.filter(application=OuterRef("pk")).exclude(
            status=MemberStatus.REMOVED
        )
        person = (
            Q(email__icontains=value)
            | Q(user__full_name__icontains=value)
            | Q(user__researcher_profile__organisation__icontains=value)
        )
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(lead__full_name__icontains=value)
            | Q(lead__email__icontains=value)
            | Q(lead__researcher_profile__organisation__icontains=value)
            | Exists(on_team.filter(person))
        )

    def filter_deposit(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        requested = Deposit.objects.filter(applications=OuterRef("pk")).filter(
            Q(reference__icontains=value) | Q(title__icontains=value)
        )
        return queryset.filter(Exists(requested))
