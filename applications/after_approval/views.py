"""The team's screens after approval: outputs, reports, closing early. Each finds the application
among the user's team applications (``TeamApplicationMixin``: 404 for anyone else) and calls one
service; a refusal shows on the form, NotPermitted answers 403."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from core.views_support import DomainErrorFormMixin, domain_action

from ..views import TeamApplicationMixin
from . import services
from .forms import CloseEarlyForm, OutputForm, ReportForm
from .selectors import (
    application_outputs,
    application_reports,
    can_close_early,
    can_record_outputs,
)


class _AfterApprovalMixin(TeamApplicationMixin):
    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            can_record_outputs=can_record_outputs(app),
            can_close_early=can_close_early(app, self.request.user),
            **kwargs,
        )

    def outputs_page(self):
        return redirect("applications:outputs", pk=self.application.pk)


class OutputsView(_AfterApprovalMixin, TemplateView):
    """The project's outputs and reports, with what the team may do next."""

    template_name = "applications/outputs.html"

    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            outputs=application_outputs(application=app),
            reports=application_reports(application=app),
            today=timezone.localdate(),
            **kwargs,
        )


class OutputCreateView(DomainErrorFormMixin, _AfterApprovalMixin, FormView):
    form_class = OutputForm
    template_name = "applications/output_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}

    def perform(self, form):
        output = self.call_service(
            services.application_output_record,
            application=self.application,
            actor=self.request.user,
            **form.cleaned_data,
        )
        messages.success(self.request, f"“{output.title}” is recorded; the public register lists it.")
        return self.outputs_page()


class OutputEditView(DomainErrorFormMixin, _AfterApprovalMixin, FormView):
    form_class = OutputForm
    template_name = "applications/output_form.html"

    def get_output(self):
        if not hasattr(self, "_output"):
            self._output = get_object_or_404(self.application.outputs, pk=self.kwargs["output_pk"])
        return self._output

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}

    def get_initial(self):
        return OutputForm.initial_for(self.get_output())

    def get_context_data(self, **kwargs):
        return super().get_context_data(output=self.get_output(), **kwargs)

    def perform(self, form):
        output = self.call_service(
            services.application_output_update,
            output=self.get_output(),
            actor=self.request.user,
            **form.cleaned_data,
        )
        messages.success(self.request, f"“{output.title}” is saved.")
        return self.outputs_page()


class OutputRemoveView(TeamApplicationMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int, output_pk: int):
        output = get_object_or_404(self.application.outputs, pk=output_pk)
        return domain_action(
            request,
            services.application_output_remove,
            output=output,
            actor=request.user,
            success=f"“{output.title}” is removed.",
            redirect_to=reverse("applications:outputs", kwargs={"pk": self.application.pk}),
        )


class ReportView(DomainErrorFormMixin, _AfterApprovalMixin, FormView):
    """A report the project owes: its form, or what the team sent."""

    form_class = ReportForm
    template_name = "applications/report.html"

    def get_report(self):
        if not hasattr(self, "_report"):
            self._report = get_object_or_404(
                application_reports(application=self.application), pk=self.kwargs["report_pk"]
            )
        return self._report

    def get_context_data(self, **kwargs):
        report = self.get_report()
        return super().get_context_data(
            report=report,
            outputs=report.outputs_listed
            if report.is_submitted
            else application_outputs(application=self.application),
            today=timezone.localdate(),
            **kwargs,
        )

    def perform(self, form):
        report = self.call_service(
            services.application_report_submit,
            report=self.get_report(),
            actor=self.request.user,
            **form.cleaned_data,
        )
        messages.success(self.request, f"The {report.get_kind_display().lower()} is sent. Thank you.")
        return self.outputs_page()


class CloseEarlyView(DomainErrorFormMixin, _AfterApprovalMixin, FormView):
    form_class = CloseEarlyForm
    template_name = "applications/close.html"

    def get(self, request, *args, **kwargs):
        if not can_close_early(self.application, request.user):
            messages.info(request, "Only the lead applicant can close a project whose access is live.")
            return self.outputs_page()
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        self.call_service(
            services.application_close_early,
            application=self.application,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            self.request,
            f"{self.application.reference} is closed: the team's access has ended and the archive staff "
            "are told. The closing report is now due.",
        )
        return self.outputs_page()
