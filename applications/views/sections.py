"""One section of the application form: the team edits it while the answers may change."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView

from core.errors import DomainError, form_add_domain_error

from .. import services
from ..enums import EDITABLE, ApplicationSection
from ..forms import MemberInviteForm, section_form_class
from ..selectors import (
    application_problems,
    application_section_progress,
    application_team,
    application_use_condition_matches,
    terms_team_status,
)
from ._common import TeamApplicationMixin


class ApplicationSectionView(TeamApplicationMixin, FormView):
    template_name = "applications/section.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in ApplicationSection.values:
            raise Http404("No such section.")
        self.section = ApplicationSection(kwargs["section"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return section_form_class(self.section)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.application}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.application.status not in EDITABLE:
            for field in form.fields.values():
                field.disabled = True
            form.helper.inputs = []
        return form

    def get_context_data(self, **kwargs):
        app = self.application
        problems = application_problems(application=app) if app.status in EDITABLE else []
        section_values = list(ApplicationSection.values)
        index = section_values.index(self.section)
        context = {
            "section": self.section,
            "progress": application_section_progress(application=app),
            "section_problems": [p for p in problems if p.section == self.section],
            "matches": application_use_condition_matches(application=app)
            if self.section == ApplicationSection.DATA and app.status in EDITABLE
            else [],
            "next_section": ApplicationSection(section_values[index + 1])
            if index + 1 < len(section_values)
            else None,
        }
        if self.section == ApplicationSection.PEOPLE:
            context["team"] = application_team(application=app)
            context["invite_form"] = MemberInviteForm()
        if self.section == ApplicationSection.PROJECT:
            context["attachments"] = app.attachments.all()
        if self.section == ApplicationSection.DECLARATIONS:
            context["terms_status"] = terms_team_status(application=app, user=self.request.user)
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            return self.form_valid(form)
        return self.form_partly_valid(form)

    def form_valid(self, form):
        if not self._save(form, form.answers()):
            return self.form_invalid(form)
        messages.success(self.request, f"{self.section.label} is saved.")
        return redirect("applications:section", pk=self.application.pk, section=self.section)

    def form_partly_valid(self, form):
        """Some answers need correcting: the others are saved as the draft's (nothing typed is lost),
        and the page comes back with what was typed and what to correct."""
        answers, to_correct = form.answers(), form.fields_to_correct()
        if answers and to_correct and self._save(form, answers):
            messages.warning(
                self.request,
                f"Your other answers in {self.section.label} are saved. Correct "
                f"{', '.join(to_correct)} to save {'it' if len(to_correct) == 1 else 'them'} too.",
            )
        return self.form_invalid(form)

    def _save(self, form, answers: dict) -> bool:
        try:
            self.call_service(
                services.application_update,
                application=self.application,
                actor=self.request.user,
                section=self.section,
                data=answers,
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            return False
        return True
