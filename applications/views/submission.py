"""Submission and what follows it on the team's side: submit, answer the panel's questions,
resubmit, withdraw, and the project's reference at ONS."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from core.errors import DomainError, form_add_domain_error
from core.views_support import DomainErrorFormMixin

from .. import services
from ..enums import EDITABLE, ApplicationStatus
from ..forms import ConfirmForm, OnsProjectReferenceForm, QueryAnswerForm, WithdrawForm
from ..selectors import (
    application_open_queries,
    application_problems,
    application_queries,
    application_use_condition_matches,
)
from ._common import TeamApplicationMixin


class _ConfirmTransitionView(TeamApplicationMixin, FormView):
    """GET shows the checklist, POST runs the service."""

    template_name = "applications/submit.html"
    submit_label = "Submit"
    from_status = ApplicationStatus.DRAFT
    service = None
    success_message = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": self.submit_label}

    def get_form_class(self):
        return ConfirmForm

    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            problems=application_problems(application=app) if app.status in EDITABLE else [],
            matches=application_use_condition_matches(application=app) if app.status in EDITABLE else [],
            open_queries=application_open_queries(application=app),
            action_label=self.submit_label,
            allowed=self.is_lead and app.status == self.from_status,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            self.call_service(type(self).service, application=self.application, actor=self.request.user)
        except services.ApplicationNotReady as exc:
            form.add_error(None, "This application cannot be submitted yet. Put right what is listed below.")
            return self.render_to_response(self.get_context_data(form=form, refused=exc.problems))
        except DomainError as exc:
            form_add_domain_error(form, exc)
            return self.form_invalid(form)
        self.application.refresh_from_db()
        messages.success(
            self.request,
            self.success_message.format(
                reference=self.application.reference, status=self.application.get_status_display().lower()
            ),
        )
        return redirect("applications:detail", pk=self.application.pk)


class ApplicationSubmitView(_ConfirmTransitionView):
    submit_label = "Submit the application"
    from_status = ApplicationStatus.DRAFT
    service = staticmethod(services.application_submit)
    success_message = "{reference} is {status}. The team has been sent a confirmation."


class ApplicationResubmitView(_ConfirmTransitionView):
    submit_label = "Resubmit the application"
    from_status = ApplicationStatus.QUERIED
    service = staticmethod(services.application_resubmit)
    success_message = "{reference} is {status}. The panel will see what changed."


class ApplicationWithdrawView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = WithdrawForm
    template_name = "applications/withdraw.html"

    def perform(self, form):
        self.call_service(
            services.application_withdraw,
            application=self.application,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(self.request, f"{self.application.reference} is withdrawn.")
        return redirect("applications:detail", pk=self.application.pk)


class ApplicationOnsReferenceView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    """The lead records the project's reference at ONS (every later instruction to ONS carries it)."""

    form_class = OnsProjectReferenceForm
    template_name = "applications/ons_reference.html"

    def _ensure_lead(self):
        if not self.is_lead:
            raise PermissionDenied("Only the lead applicant records the ONS project reference.")

    def get(self, request, *args, **kwargs):
        self._ensure_lead()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._ensure_lead()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"ons_project_reference": self.application.ons_project_reference}

    def perform(self, form):
        self.call_service(
            services.application_ons_reference_record,
            application=self.application,
            actor=self.request.user,
            reference=form.cleaned_data["ons_project_reference"],
        )
        messages.success(self.request, "The ONS project reference is saved.")
        return redirect("applications:detail", pk=self.application.pk)


class QueryListView(TeamApplicationMixin, TemplateView):
    template_name = "applications/queries.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(queries=application_queries(application=self.application), **kwargs)


class QueryAnswerView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = QueryAnswerForm
    template_name = "applications/query_answer.html"

    def get_query(self):
        return get_object_or_404(
            self.application.queries.select_related("raised_by"), pk=self.kwargs["query_pk"]
        )

    def get_initial(self):
        return {"answer": self.get_query().answer}

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.get_query(), **kwargs)

    def perform(self, form):
        self.call_service(
            services.application_query_answer,
            query=self.get_query(),
            actor=self.request.user,
            answer=form.cleaned_data["answer"],
        )
        messages.success(self.request, "Your answer is saved. Resubmit the application when you are ready.")
        return redirect(reverse("applications:queries", kwargs={"pk": self.application.pk}))
