"""Staff screens: the ONS notification log, a notification's detail, resend, and revocation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from applications.models import Application
from core.permissions import StaffRequiredMixin
from core.views_support import DomainErrorFormMixin, domain_action
from panel.services import application_revoke

from . import selectors, services
from .forms import RevokeForm, StatusFilterForm
from .models import OnsEndpoint, OnsNotification


class OnsNotificationLogView(StaffRequiredMixin, ListView):
    template_name = "notifications/log.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = StatusFilterForm(self.request.GET or None)
        status = self.filter_form.cleaned_data["status"] if self.filter_form.is_valid() else ""
        self.status = status
        return selectors.ons_notification_list(status=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=self.filter_form,
            counts=selectors.ons_notification_counts(),
            endpoints=selectors.ons_endpoint_list(),
            incidents=selectors.ons_incident_list(),
            query_string=f"status={self.status}" if self.status else "",
            **kwargs,
        )


class OnsNotificationDetailView(StaffRequiredMixin, DetailView):
    template_name = "notifications/detail.html"
    context_object_name = "notification"

    def get_object(self, queryset=None):
        try:
            return selectors.ons_notification_get(pk=self.kwargs["pk"])
        except OnsNotification.DoesNotExist as exc:
            raise Http404("No such notification.") from exc

    def get_context_data(self, **kwargs):
        notification = self.object
        return super().get_context_data(
            attempts=notification.delivery_attempts.all(),
            **kwargs,
        )


class OnsNotificationResendView(StaffRequiredMixin, View):
    def post(self, request, pk: int):
        notification = get_object_or_404(OnsNotification, pk=pk)
        return domain_action(
            request,
            services.ons_notification_resend,
            notification=notification,
            actor=request.user,
            success="The notification is being sent to ONS again.",
            redirect_to=reverse("notifications:detail", kwargs={"pk": pk}),
        )


class OnsEndpointEnableView(StaffRequiredMixin, View):
    def post(self, request, pk: int):
        endpoint = get_object_or_404(OnsEndpoint, pk=pk)
        return domain_action(
            request,
            services.ons_endpoint_enable,
            endpoint=endpoint,
            actor=request.user,
            success=f"{endpoint} is in use again; what waited for it is being sent now.",
            redirect_to=reverse("notifications:log") + "#endpoints",
        )


class ApplicationRevokeView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = RevokeForm
    template_name = "notifications/revoke.html"

    def get_initial(self):
        return {"application_reference": self.request.GET.get("application", "")[:20]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Revoke an application's access", **kwargs)

    def perform(self, form):
        application = Application.objects.filter(reference=form.cleaned_data["application_reference"]).first()
        if application is None:
            form.add_error("application_reference", "No application has this reference.")
            return self.form_invalid(form)
        application_revoke(
            application=application, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, f"Access to {application.reference} is revoked; ONS is being told.")
        return redirect("notifications:log")
