"""The lead invites co-applicants and takes members off the team."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from core.views_support import DomainErrorFormMixin

from .. import services
from ..enums import ApplicationSection
from ..forms import MemberInviteForm
from ..models import ApplicationMember
from ._common import TeamApplicationMixin


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
