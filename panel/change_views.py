"""The panel's and staff's screens for change requests on live grants. A panel member sees a change
only after declaring no conflict on it, and sees only what changes; the chair decides what the rule
gave the chair or the panel; staff decide what it delegated."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from applications.grant_selectors import (
    change_request_diff,
    change_request_invitations,
    change_request_members_after,
    change_request_summary,
)
from core.permissions import PanelRequiredMixin, StaffRequiredMixin, is_panel_chair
from core.views_support import domain_errors_on

from . import change_selectors, services
from .forms import ChangeDecisionForm, ConflictDeclarationForm, VoteForm
from .selectors import rules_current
from .views_support import ConflictDeclareMixin, conflict_before_content, vote_initial


def _change_context(change_request, user) -> dict:
    return {
        "change_request": change_request,
        "application": change_request.application,
        "summary": change_request_summary(change_request),
        "diff": change_request_diff(change_request),
        "invitations": change_request_invitations(change_request=change_request),
        "refusal": change_selectors.change_request_decider_refusal(change_request=change_request, user=user),
    }


class PanelChangeMixin(PanelRequiredMixin):
    """Loads the change request for a panel member: 404 unless routed to them; the declaration page
    until they declare; 403 once they declared a conflict."""

    needs_content = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.role_check(request.user):
            self.change_request = change_selectors.change_request_for_panel(
                reference=kwargs["reference"], user=request.user
            )
            if self.change_request is None:
                raise Http404("No such change request.")
            self.declaration = change_selectors.change_conflict_for(
                change_request=self.change_request, user=request.user
            )
            if self.needs_content:
                gate = conflict_before_content(
                    self.declaration,
                    declare_url="panel:change_declare",
                    reference=self.change_request.reference,
                )
                if gate is not None:
                    return gate
        return super().dispatch(request, *args, **kwargs)


class ChangeDeclareView(ConflictDeclareMixin, PanelChangeMixin, View):
    needs_content = False
    review_url = "panel:change_review"

    def declare(self, **answers):
        return services.change_conflict_declare(change_request=self.change_request, **answers)

    def _render(self, request, form, status=200):
        context = {
            "change_request": self.change_request,
            "application": self.change_request.application,
            "declaration": self.declaration,
            "team": change_request_members_after(change_request=self.change_request),
            "form": form,
            "later_form": form or ConflictDeclarationForm(),
        }
        return render(request, "panel/change_declare.html", context, status=status)


class ChangeReviewView(PanelChangeMixin, View):
    """Only what changes: the diff, the people added (and their accreditation), the vote."""

    def get(self, request, reference):
        return self._render(request, self._vote_form())

    def _vote_form(self, data=None):
        vote = change_selectors.change_my_vote(change_request=self.change_request, user=self.request.user)
        form = VoteForm(data, initial=vote_initial(vote))
        form.helper.form_action = f"/panel/changes/{self.change_request.reference}/vote/"
        return form

    def _render(self, request, form, status=200):
        change_request, user = self.change_request, request.user
        visible = change_selectors.change_votes_visible_to(change_request=change_request, user=user)
        context = {
            **_change_context(change_request, user),
            "vote_form": form if change_selectors.change_voting_is_open(change_request) else None,
            "my_vote": change_selectors.change_my_vote(change_request=change_request, user=user),
            "votes_visible": visible,
            "votes": list(change_selectors.change_votes_counted(change_request)) if visible else [],
            "tally": change_selectors.change_vote_tally(change_request) if visible else None,
            "is_chair": is_panel_chair(user),
        }
        return render(request, "panel/change_review.html", context, status=status)


class ChangeVoteView(ChangeReviewView):
    def post(self, request, reference):
        form = self._vote_form(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.change_vote_cast(
                    change_request=self.change_request, member=request.user, **form.cleaned_data
                )
                messages.success(request, "Your vote is recorded. You can change it until voting closes.")
                return redirect("panel:change_review", reference=reference)
        return self._render(request, form, status=400)


class ChangeDecideView(PanelChangeMixin, View):
    """The chair's decision (members who are not chairs are refused by the role check)."""

    role_check = staticmethod(is_panel_chair)

    def get(self, request, reference):
        return self._render(request, ChangeDecisionForm())

    def post(self, request, reference):
        form = ChangeDecisionForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.change_request_decide(
                    change_request=self.change_request, actor=request.user, **form.cleaned_data
                )
                messages.success(request, "The decision is recorded; the team is being told.")
                return redirect("panel:change_review", reference=reference)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        change_request = self.change_request
        change_request.refresh_from_db()
        context = {
            **_change_context(change_request, request.user),
            "form": form,
            "tally": change_selectors.change_vote_tally(change_request),
            "rules": rules_current(),
        }
        return render(request, "panel/change_decide.html", context, status=status)


# --- staff -------------------------------------------------------------------------------------------


class StaffChangeRequestListView(StaffRequiredMixin, View):
    def get(self, request):
        context = {
            "delegated": change_selectors.staff_change_request_list(open_only=True),
            "recent": change_selectors.staff_change_request_list(open_only=False)[:50],
        }
        return render(request, "panel/staff_change_requests.html", context)


class StaffChangeRequestView(StaffRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.role_check(request.user):
            self.change_request = change_selectors.change_request_for_panel(
                reference=kwargs["reference"], user=request.user
            )
            if self.change_request is None:
                raise Http404("No such change request.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, reference):
        return self._render(request, ChangeDecisionForm())

    def post(self, request, reference):
        form = ChangeDecisionForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.change_request_decide(
                    change_request=self.change_request, actor=request.user, **form.cleaned_data
                )
                messages.success(request, "The decision is recorded; the team is being told.")
                return redirect("panel:staff_change_requests")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        self.change_request.refresh_from_db()
        context = {**_change_context(self.change_request, request.user), "form": form}
        return render(request, "panel/staff_change_request.html", context, status=status)
