"""An invited researcher accepts or declines an invitation to the team (with the terms of access
in force, when there are)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.errors import DomainError, NotPermitted
from core.permissions import ResearcherRequiredMixin
from core.rendering import markdown_to_safe_html

from .. import grant_services, services
from ..forms import TermsAcceptForm
from ..models import ApplicationMember
from ..permissions import can_respond_to_invitation
from ..selectors import terms_get, terms_in_force


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
