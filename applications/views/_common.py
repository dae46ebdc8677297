"""What every view under an application shares: ``TeamApplicationMixin`` finds the application
among those on the user's team (404 otherwise) and runs the services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from core.errors import DomainError, NotPermitted
from core.permissions import ResearcherRequiredMixin

from ..enums import EDITABLE, OUTPUTS_RECORDABLE, WITHDRAWABLE, ApplicationSection, ApplicationStatus
from ..selectors import application_get_for_user


class TeamApplicationMixin(ResearcherRequiredMixin):
    """Loads ``self.application`` from the user's team applications, or answers 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.application = application_get_for_user(user=request.user, pk=kwargs["pk"])
            if self.application is None:
                raise Http404("No such application.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def is_lead(self) -> bool:
        return self.application.lead_id == self.request.user.pk

    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            application=app,
            is_lead=self.is_lead,
            can_edit=app.status in EDITABLE,
            can_submit=self.is_lead and app.status == ApplicationStatus.DRAFT,
            can_resubmit=self.is_lead and app.status == ApplicationStatus.QUERIED,
            can_withdraw=self.is_lead and app.status in WITHDRAWABLE,
            has_outputs=app.status in OUTPUTS_RECORDABLE,
            sections=ApplicationSection,
            **kwargs,
        )

    def call_service(self, fn, **kwargs):
        """Run a service; NotPermitted becomes 403, other refusals come back to the caller."""
        try:
            return fn(**kwargs)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc

    def call_service_then_section(self, fn, *, section: str, success: str, **kwargs):
        """A one-button action: run the service (its refusal, or ``success``, as a message) and go
        back to the form's ``section``."""
        try:
            self.call_service(fn, **kwargs)
        except DomainError as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, success)
        return redirect("applications:section", pk=self.application.pk, section=section)
