"""Staff screens: the ONS notification log, a notification's detail, resend, and revocation."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from applications.models import Application
from core.errors import DomainError, NotPermitted, form_add_domain_error
from core.permissions import StaffRequiredMixin
from panel.services import application_revoke

from . import selectors, services
from .forms import RevokeForm, StatusFilterForm
from .models import OnsNotification


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
        try:
            services.ons_notification_resend(notification=notification, actor=request.user)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The notification is being sent to ONS again.")
        return redirect("notifications:detail", pk=pk)


class ApplicationRevokeView(StaffRequiredMixin, FormView):
    form_class = RevokeForm
    template_name = "notifications/revoke.html"

    def get_initial(self):
        return {"application_reference": self.request.GET.get("application", "")[:20]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Revoke an application's access", **kwargs)

    def form_valid(self, form):
        application = Application.objects.filter(reference=form.cleaned_data["application_reference"]).first()
        if application is None:
            form.add_error("application_reference", "No application has this reference.")
            return self.form_invalid(form)
        try:
            application_revoke(
                application=application, actor=self.request.user, reason=form.cleaned_data["reason"]
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form_add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Access to {application.reference} is revoked; ONS is being told.")
        return redirect("notifications:log")
