"""The terms of access: the public pages (the version in force and every earlier one, so that
researchers read them before applying), the staff pages (versions, publishing, who has not
accepted) and the page where a team member accepts the version in force for an application."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from core.permissions import StaffRequiredMixin, is_staff_member
from core.rendering import markdown_to_safe_html
from core.views_support import DomainErrorFormMixin

from . import services
from .forms import TermsAcceptForm, TermsPublishForm
from .selectors import (
    terms_get,
    terms_in_force,
    terms_not_accepted_queryset,
    terms_not_accepted_rows,
    terms_team_status,
    terms_versions,
    terms_versions_for_staff,
)
from .views import TeamApplicationMixin

# --- public -----------------------------------------------------------------------------------------


class TermsInForceView(TemplateView):
    """Public on purpose: the version in force, and the list of every version."""

    template_name = "applications/terms/current.html"

    def get_context_data(self, **kwargs):
        terms = terms_in_force()
        return super().get_context_data(
            terms=terms,
            text_html=markdown_to_safe_html(terms.text) if terms else "",
            versions=list(terms_versions()),
            is_staff=is_staff_member(self.request.user),
            **kwargs,
        )


class TermsVersionView(TemplateView):
    """Public on purpose: one version, as it was published, and whether it is still in force."""

    template_name = "applications/terms/version.html"

    def get_context_data(self, **kwargs):
        terms = terms_get(number=self.kwargs["number"])
        if terms is None:
            raise Http404("No such version of the terms of access.")
        in_force = terms_in_force()
        return super().get_context_data(
            terms=terms,
            in_force=in_force,
            text_html=markdown_to_safe_html(terms.text),
            **kwargs,
        )


# --- staff ------------------------------------------------------------------------------------------


class StaffTermsListView(StaffRequiredMixin, TemplateView):
    template_name = "applications/terms/staff_list.html"

    def get_context_data(self, **kwargs):
        versions = list(terms_versions_for_staff())
        return super().get_context_data(
            versions=versions, in_force=versions[0] if versions else None, **kwargs
        )


class StaffTermsVersionView(StaffRequiredMixin, TemplateView):
    template_name = "applications/terms/staff_version.html"

    def get_context_data(self, **kwargs):
        terms = terms_versions_for_staff().filter(number=self.kwargs["number"]).first()
        if terms is None:
            raise Http404("No such version of the terms of access.")
        return super().get_context_data(
            terms=terms,
            in_force=terms_in_force(),
            text_html=markdown_to_safe_html(terms.text),
            **kwargs,
        )


class TermsPublishView(StaffRequiredMixin, DomainErrorFormMixin, FormView):
    template_name = "applications/terms/publish.html"
    form_class = TermsPublishForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "in_force": terms_in_force()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Publish a new version of the terms of access", in_force=terms_in_force(), **kwargs
        )

    def perform(self, form):
        terms = services.terms_publish(actor=self.request.user, **form.cleaned_data)
        messages.success(
            self.request,
            f"Version {terms.number} ({terms.label}) of the terms of access is published and in force. "
            "Every team in progress or with access has been asked to accept it.",
        )
        return redirect("terms:staff_version", number=terms.number)


class TermsNotAcceptedView(StaffRequiredMixin, TemplateView):
    """Members of live teams who have not accepted the version in force: overdue (after the
    version's period), then those still within it. Access is not suspended: staff follow up."""

    template_name = "applications/terms/staff_not_accepted.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        terms = terms_in_force()
        today = timezone.localdate()
        context = {"terms": terms, "today": today}
        if terms is not None:
            members = terms_not_accepted_queryset(terms=terms)
            for key, queryset, param in (
                ("overdue", members.filter(terms_due_on_date__lt=today), "page"),
                ("waiting", members.filter(terms_due_on_date__gte=today), "waiting_page"),
            ):
                page = Paginator(queryset, self.paginate_by).get_page(self.request.GET.get(param))
                context[key] = page
                context[f"{key}_rows"] = terms_not_accepted_rows(page.object_list, terms=terms, today=today)
            context["keep_overdue"] = _kept(self.request, "waiting_page")
            context["keep_waiting"] = _kept(self.request, "page")
        return super().get_context_data(**context, **kwargs)


def _kept(request, parameter: str) -> str:
    """The other list's page number, kept in this list's pager links."""
    value = request.GET.get(parameter, "")
    return urlencode({parameter: value}) if value.isdigit() else ""


# --- the team ---------------------------------------------------------------------------------------


class TermsAcceptView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    """A team member reads the version in force and accepts it for this application."""

    template_name = "applications/terms/accept.html"
    form_class = TermsAcceptForm

    def get_initial(self):
        terms = terms_in_force()
        return {"terms_number": terms.number} if terms else {}

    def get_context_data(self, **kwargs):
        status = terms_team_status(application=self.application, user=self.request.user)
        return super().get_context_data(
            terms_status=status,
            terms=status.terms,
            text_html=markdown_to_safe_html(status.terms.text) if status.terms else "",
            **kwargs,
        )

    def perform(self, form):
        terms = terms_get(number=form.cleaned_data["terms_number"])
        if terms is None:
            form.add_error(None, "That version of the terms of access does not exist.")
            return self.form_invalid(form)
        self.call_service(
            services.terms_accept, application=self.application, user=self.request.user, terms=terms
        )
        messages.success(
            self.request,
            f"You accepted version {terms.number} of the terms of access for {self.application.reference}.",
        )
        return redirect("applications:detail", pk=self.application.pk)
