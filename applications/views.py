"""The researcher's screens. Every view under an application first finds it among the
applications on the user's team and answers 404 otherwise (never confirming it exists); a team
member who may see but not do something gets 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from core.errors import DomainError, NotPermitted, form_add_domain_error
from core.files import private_file_response
from core.permissions import ResearcherRequiredMixin
from core.rendering import markdown_to_safe_html
from core.views_support import DomainErrorFormMixin
from deposits.selectors import deposit_get_available

from . import grant_services, services
from .enums import (
    CHANGE_REQUEST_OPEN,
    EDITABLE,
    OUTPUTS_RECORDABLE,
    WITHDRAWABLE,
    ApplicationSection,
    ApplicationStatus,
)
from .forms import (
    ApplicationStartForm,
    AttachmentForm,
    ConfirmForm,
    MemberInviteForm,
    OnsProjectReferenceForm,
    QueryAnswerForm,
    TermsAcceptForm,
    WithdrawForm,
    section_form_class,
)
from .grant_selectors import change_requests_for_application, grant_history, grant_in_force, grant_team_lines
from .models import ApplicationMember
from .permissions import can_respond_to_invitation
from .selectors import (
    application_get_for_user,
    application_list_for_user,
    application_next_step,
    application_open_queries,
    application_previous_version,
    application_problems,
    application_queries,
    application_section_progress,
    application_team,
    application_use_condition_matches,
    application_version_diff,
    application_versions,
    invitation_list_for_user,
    terms_get,
    terms_in_force,
    terms_team_status,
)


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


class ApplicationDetailView(TeamApplicationMixin, TemplateView):
    template_name = "applications/detail.html"

    def get_context_data(self, **kwargs):
        app = self.application
        editable = app.status in EDITABLE
        return super().get_context_data(
            progress=application_section_progress(application=app),
            problems=application_problems(application=app) if editable else [],
            matches=application_use_condition_matches(application=app) if editable else [],
            team=application_team(application=app),
            attachments=app.attachments.select_related("uploaded_by"),
            versions=application_versions(application=app),
            queries=list(application_queries(application=app)),
            **self._grant_context(app),
            terms_status=terms_team_status(application=app, user=self.request.user),
            **kwargs,
        )

    def _grant_context(self, app) -> dict:
        """The grant in force, its history and the change requests (approved projects only)."""
        grant = grant_in_force(application=app)
        if grant is None:
            return {}
        return {
            "grant": grant,
            "grants": grant_history(application=app),
            "grant_team": grant_team_lines(grant.team),
            "change_requests": list(change_requests_for_application(application=app)),
            "can_request_change": self.is_lead
            and grant.status in grant_services.CHANGEABLE
            and not app.change_requests.filter(status__in=CHANGE_REQUEST_OPEN).exists(),
        }


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


class MemberInviteView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = MemberInviteForm
    template_name = "applications/member_invite.html"

    def perform(self, form):
        member = self.call_service(
            services.application_member_invite,
            application=self.application,
            actor=self.request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        messages.success(self.request, f"An invitation is on its way to {member.email}.")
        return redirect("applications:section", pk=self.application.pk, section=ApplicationSection.PEOPLE)


class MemberRemoveView(TeamApplicationMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int, member_pk: int):
        member = get_object_or_404(ApplicationMember, pk=member_pk, application=self.application)
        return self.call_service_then_section(
            services.application_member_remove,
            membership=member,
            actor=request.user,
            section=ApplicationSection.PEOPLE,
            success=f"{member.email} is no longer on the team.",
        )


class InvitationView(ResearcherRequiredMixin, TemplateView):
    """The invited researcher reads the invitation and accepts or declines it."""

    template_name = "applications/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = (
                ApplicationMember.objects.select_related("application", "application__lead", "invited_by")
                .filter(pk=kwargs["member_pk"])
                .first()
            )
            if self.member is None or not can_respond_to_invitation(request.user, self.member):
                raise Http404("No such invitation.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        profile = getattr(self.request.user, "researcher_profile", None)
        terms = terms_in_force()  # joining is accepting them, also when a change request invites
        terms_form = kwargs.pop("terms_form", None)
        if terms_form is None and terms is not None:
            terms_form = TermsAcceptForm(initial={"terms_number": terms.number})
        return super().get_context_data(
            member=self.member,
            application=self.member.application,
            is_accredited=bool(profile and profile.is_accredited),
            terms=terms,
            terms_html=markdown_to_safe_html(terms.text) if terms else "",
            terms_form=terms_form,
            **kwargs,
        )

    def post(self, request, member_pk: int):
        accept = request.POST.get("decision") == "accept"
        kwargs = {"membership": self.member, "user": request.user}
        by_change = bool(self.member.change_request_id)  # invited by a change request on a live grant
        if by_change:
            service = (
                grant_services.change_request_member_accept
                if accept
                else grant_services.change_request_member_decline
            )
        else:
            service = services.application_member_accept if accept else services.application_member_decline
        if accept and terms_in_force() is not None:
            # With terms in force, joining the team is accepting them: one step, both or neither.
            terms_form = TermsAcceptForm(request.POST)
            if not terms_form.is_valid():
                return self.render_to_response(self.get_context_data(terms_form=terms_form), status=200)
            terms = terms_get(number=terms_form.cleaned_data["terms_number"])
            if terms is None:
                terms_form.add_error(None, "That version of the terms of access does not exist.")
                return self.render_to_response(self.get_context_data(terms_form=terms_form), status=200)
            kwargs["terms"] = terms
            if not by_change:
                service = services.application_member_accept_with_terms
        try:
            service(**kwargs)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("applications:invitation", member_pk=self.member.pk)
        if accept and self.member.change_request_id:
            messages.success(
                request,
                f"You accepted: you join the team of {self.member.application.reference} "
                "when the change is approved.",
            )
            return redirect("applications:my_list")
        if accept:
            messages.success(request, f"You are on the team of {self.member.application.reference}.")
            return redirect("applications:detail", pk=self.member.application_id)
        messages.info(request, "You declined the invitation.")
        return redirect("applications:my_list")


class AttachmentAddView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = AttachmentForm
    template_name = "applications/attachment_add.html"

    def perform(self, form):
        self.call_service(
            services.application_attachment_add,
            application=self.application,
            actor=self.request.user,
            uploaded=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
        messages.success(self.request, "The document is attached.")
        return redirect("applications:section", pk=self.application.pk, section=ApplicationSection.PROJECT)


class AttachmentDownloadView(TeamApplicationMixin, View):
    http_method_names = ["get"]

    def get(self, request, pk: int, attachment_pk: int):
        attachment = get_object_or_404(self.application.attachments, pk=attachment_pk)
        return private_file_response(
            attachment.file, download_name=attachment.original_name, content_type="application/pdf"
        )


class AttachmentRemoveView(TeamApplicationMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int, attachment_pk: int):
        attachment = get_object_or_404(self.application.attachments, pk=attachment_pk)
        return self.call_service_then_section(
            services.application_attachment_remove,
            attachment=attachment,
            actor=request.user,
            section=ApplicationSection.PROJECT,
            success=f"{attachment.original_name} is removed.",
        )


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


class VersionDetailView(TeamApplicationMixin, TemplateView):
    """A submitted version, read-only, with what changed since the one before."""

    template_name = "applications/version_detail.html"

    def get_context_data(self, **kwargs):
        version = get_object_or_404(
            application_versions(application=self.application), number=self.kwargs["number"]
        )
        previous = application_previous_version(version=version)
        return super().get_context_data(
            version=version,
            previous=previous,
            diff=application_version_diff(previous, version) if previous else None,
            **kwargs,
        )


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
