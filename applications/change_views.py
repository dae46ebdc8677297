"""The team's screens for grants and change requests: the lead's "request a change" form, the
change request page (the diff against the grant, its status, who has accepted) and withdrawal.
Each finds the application among the user's team applications first (404 otherwise)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from core.permissions import StaffRequiredMixin
from core.views_support import DomainErrorFormMixin, domain_action

from . import grant_services
from .change_forms import ChangeRequestForm, GrantResumeForm
from .enums import GrantStatus
from .grant_selectors import (
    change_request_diff,
    change_request_get,
    change_request_invitations,
    change_request_summary,
    grant_in_force,
    grant_resume_blockers,
)
from .models import Application
from .views import TeamApplicationMixin


class ChangeRequestCreateView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = ChangeRequestForm
    template_name = "applications/change_request_form.html"

    def get(self, request, *args, **kwargs):
        self._check()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check()
        return super().post(request, *args, **kwargs)

    def _check(self):
        if not self.is_lead:
            raise PermissionDenied("Only the lead applicant may ask for a change to the grant.")
        self.grant = grant_in_force(application=self.application)
        if self.grant is None or self.grant.status not in grant_services.CHANGEABLE:
            raise PermissionDenied("Only a live grant can be changed.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "grant": self.grant}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            grant=self.grant, page_title=f"Request a change to {self.grant.reference}", **kwargs
        )

    def perform(self, form):
        change_request = grant_services.change_request_open(
            application=self.application, actor=self.request.user, **form.service_kwargs()
        )
        messages.success(self.request, f"Change request {change_request.reference} is sent.")
        return redirect("applications:change_request", pk=self.application.pk, number=change_request.number)


class _ChangeRequestMixin(TeamApplicationMixin):
    def load(self):
        change_request = change_request_get(application=self.application, number=self.kwargs["number"])
        if change_request is None:
            raise Http404("No such change request.")
        return change_request


class ChangeRequestDetailView(_ChangeRequestMixin, TemplateView):
    template_name = "applications/change_request.html"

    def get_context_data(self, **kwargs):
        change_request = self.load()
        return super().get_context_data(
            change_request=change_request,
            summary=change_request_summary(change_request),
            diff=change_request_diff(change_request),
            invitations=change_request_invitations(change_request=change_request),
            resulting_grant=getattr(change_request, "resulting_grant", None),
            can_withdraw_change=self.is_lead and change_request.is_open,
            **kwargs,
        )


class ChangeRequestWithdrawView(_ChangeRequestMixin, View):
    def post(self, request, pk: int, number: int):
        change_request = self.load()
        return domain_action(
            request,
            grant_services.change_request_withdraw,
            change_request=change_request,
            actor=request.user,
            success=f"{change_request.reference} is withdrawn; the grant stays as it is.",
            redirect_to=reverse("applications:change_request", kwargs={"pk": pk, "number": number}),
        )


class GrantResumeView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    """Staff lift a suspended grant's suspension (``grant_services.grant_resume``): the page shows
    what the re-screen would still find (so staff see whether it can be lifted) and asks why."""

    form_class = GrantResumeForm
    template_name = "applications/grant_resume.html"

    @cached_property
    def application(self) -> Application:
        # Read after StaffRequiredMixin's check, so that nobody else learns whether it exists.
        application = Application.objects.filter(pk=self.kwargs["pk"]).select_related("lead").first()
        if application is None:
            raise Http404("No such application.")
        return application

    def _grant(self):
        grant = grant_in_force(application=self.application)
        if grant is None or grant.status != GrantStatus.SUSPENDED:
            raise Http404("This application has no suspended grant.")
        return grant

    def get_context_data(self, **kwargs):
        grant = self._grant()
        removals, remaining = grant_resume_blockers(grant=grant, today=timezone.localdate())
        return super().get_context_data(
            application=self.application,
            grant=grant,
            removals=removals.reasons,
            remaining=remaining,
            page_title=f"Lift the suspension of {grant.reference}",
            **kwargs,
        )

    def perform(self, form):
        grant = grant_services.grant_resume(
            grant=self._grant(), actor=self.request.user, note=form.cleaned_data["note"]
        )
        messages.success(self.request, f"{grant.reference} is live; ONS is told to provide access again.")
        return redirect("panel:staff_application", reference=self.application.reference)
