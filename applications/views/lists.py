"""The researcher's "my applications" page (with the invitations waiting for them), and starting
a draft."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from core.errors import DomainError, NotPermitted, form_add_domain_error
from core.permissions import ResearcherRequiredMixin
from deposits.selectors import deposit_get_available

from .. import services
from ..enums import ApplicationSection
from ..forms import ApplicationStartForm
from ..selectors import application_list_for_user, application_next_step, invitation_list_for_user


class MyApplicationsView(ResearcherRequiredMixin, TemplateView):
    template_name = "applications/my_list.html"

    paginate_by = 50

    def get_context_data(self, **kwargs):
        page = Paginator(application_list_for_user(user=self.request.user), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        page.object_list = list(page.object_list)
        for application in page.object_list:
            application.next_step = application_next_step(application)
        return super().get_context_data(
            applications=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            query_string="",
            invitations=list(invitation_list_for_user(user=self.request.user)),
            **kwargs,
        )


class ApplicationCreateView(ResearcherRequiredMixin, FormView):
    """Start a draft; from a deposit's page (``?deposit=<reference>``, kept in the form's URL) that
    deposit is requested from the start. A reference that is not an available deposit is ignored
    with a message."""

    form_class = ApplicationStartForm
    template_name = "applications/create.html"

    @cached_property
    def requested_deposit(self):
        reference = self.request.GET.get("deposit", "")
        deposit = deposit_get_available(reference) if reference else None
        if reference and deposit is None:
            messages.warning(
                self.request,
                "That deposit is not available in the catalogue, so none is chosen yet: "
                "choose deposits in the Safe data section.",
            )
        return deposit

    def get_context_data(self, **kwargs):
        return super().get_context_data(deposit=self.requested_deposit, **kwargs)

    def form_valid(self, form):
        deposit = self.requested_deposit
        try:
            application = services.application_create(
                lead=self.request.user,
                title=form.cleaned_data["title"],
                deposits=[deposit] if deposit else [],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:  # the deposit stopped being available meanwhile
            form_add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Draft {application.reference} is saved. Fill in each section in any order."
        )
        return redirect("applications:section", pk=application.pk, section=ApplicationSection.PEOPLE)
