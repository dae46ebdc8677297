"""The panel's screens and the staff's screening and membership screens. Thin: check who may see
what, bind the form, call one service, redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from applications.enums import AWAITING_SCREENING, PANEL_VISIBLE
from applications.grant_selectors import grant_history, grant_in_force, grant_team_lines
from applications.models import Application, ApplicationVersion
from applications.selectors import (
    application_accepted_members,
    application_team_users,
    application_version_diff,
    terms_team_status,
)
from core.files import private_file_response
from core.permissions import (
    PanelRequiredMixin,
    RoleRequiredMixin,
    StaffRequiredMixin,
    is_panel_chair,
    is_panel_member,
    is_staff_member,
)
from core.views_support import domain_action, domain_errors_on

from . import queue_selectors, selectors, services
from .enums import Recommendation
from .filters import StaffApplicationFilter
from .forms import (
    ConflictDeclarationForm,
    DecisionForm,
    InterestForm,
    MemberAddForm,
    OpenReviewForm,
    PanelRulesForm,
    QueryForm,
    QueueSearchForm,
    VoteForm,
)
from .models import MemberInterest, PanelMembership
from .views_support import ConflictDeclareMixin, conflict_before_content, vote_initial


def _label(recommendation: str | None) -> str:
    return Recommendation(recommendation).label if recommendation else ""


def _version_diff(versions: selectors.ReviewVersions):
    """(previous version, current version, diff) when there are two versions; else None."""
    if versions.previous is None:
        return None
    return {
        "old": versions.previous,
        "new": versions.current,
        "diff": application_version_diff(versions.previous, versions.current),
    }


class PanelApplicationMixin(PanelRequiredMixin):
    """Loads the application for a panel member: 404 when they may not see it at all; the title-only
    declaration page until they declare; 403 on content once they declared a conflict."""

    needs_content = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not is_panel_member(request.user):
            return super().dispatch(request, *args, **kwargs)
        self.application = selectors.application_for_panel(reference=kwargs["reference"], user=request.user)
        if self.application is None:
            raise Http404("No such application.")
        self.declaration = selectors.conflict_for(application=self.application, user=request.user)
        if self.needs_content:
            gate = conflict_before_content(
                self.declaration, declare_url="panel:declare", reference=self.application.reference
            )
            if gate is not None:
                return gate
        return super().dispatch(request, *args, **kwargs)


#: The queue's tabs: each list's query-string name (``panel.queue_selectors.QUEUE_LISTS``), caption
#: and what it says when empty.
QUEUE_TABS = {
    "declare": ("Awaiting my declaration of interests", "Nothing awaits your declaration."),
    "vote": ("Awaiting my vote", "Nothing awaits your vote."),
    "changes": ("Change requests", "No change request on an approved project waits for you."),
    "progress": ("Voted, queried or conflicted", "Nothing here: nothing awaits others or the decision."),
    "decided": ("Decided", "No decisions yet."),
}


def _list_tabs(keep: dict, captions: dict[str, str], counts: dict[str, int], current: str):
    """The tabs of a page with one list at a time (the queue, the staff application list): each
    list's caption, size, query string (``keep``, the search, with ``list``) and whether it is the
    one shown; and the query string the shown list's pager keeps."""
    tabs = [
        {
            "name": name,
            "caption": caption,
            "count": counts[name],
            "query": urlencode({**keep, "list": name}, doseq=True),
            "active": name == current,
        }
        for name, caption in captions.items()
    ]
    return tabs, urlencode({**keep, "list": current}, doseq=True)


class QueueView(PanelRequiredMixin, View):
    """One list of the member's queue a page (``?list=``, ``?page=``), its tabs showing every list's
    size; the search narrows the application lists."""

    def get(self, request):
        search = QueueSearchForm(request.GET)
        queue = queue_selectors.panel_queue_for(
            user=request.user,
            list_name=request.GET.get("list"),
            page=request.GET.get("page"),
            search=search.text,
        )
        tabs, pager_query = _list_tabs(
            {"q": search.text} if search.text else {},
            {name: caption for name, (caption, _empty) in QUEUE_TABS.items()},
            queue.counts,
            queue.current,
        )
        context = {
            "queue": queue,
            "search": search,
            "tabs": tabs,
            "caption": QUEUE_TABS[queue.current][0],
            "empty": QUEUE_TABS[queue.current][1],
            "pager_query": pager_query,
        }
        return render(request, "panel/queue.html", context)


class DeclareView(ConflictDeclareMixin, PanelApplicationMixin, View):
    needs_content = False
    review_url = "panel:review"

    def declare(self, **answers):
        return services.conflict_declare(application=self.application, **answers)

    def _render(self, request, form, status=200):
        context = {
            "application": self.application,
            "declaration": self.declaration,
            "organisation": getattr(
                getattr(self.application.lead, "researcher_profile", None), "organisation", ""
            ),
            "team": application_accepted_members(application=self.application),
            "form": form,
            "later_form": form or ConflictDeclarationForm(),
        }
        return render(request, "panel/declare.html", context, status=status)


class ReviewView(PanelApplicationMixin, View):
    def get(self, request, reference):
        application = selectors.application_detail_for_review(reference=reference)
        user = request.user
        votes_visible = selectors.votes_visible_to(application=application, user=user)
        recommendation, tally = selectors.recommendation_for(application) if votes_visible else (None, None)
        versions = selectors.review_versions(application)
        context = {
            "application": application,
            "declaration": self.declaration,
            "current_version": versions.current,
            "earlier_versions": versions.earlier,
            "version_diff": _version_diff(versions),
            "attachments": selectors.attachments_for(application),
            "team": application_team_users(application=application),
            "accreditations": selectors.accreditation_checks(application),
            "matches": selectors.automatic_checks(application),
            "my_vote": selectors.my_current_vote(application=application, user=user),
            "voting_open": selectors.voting_is_open(application),
            "votes_visible": votes_visible,
            # the current version's votes; the earlier ones are on the tally page
            "votes": selectors.all_votes_for_display(application, current_only=True) if votes_visible else [],
            "earlier_votes": selectors.earlier_votes_count(application) if votes_visible else 0,
            "tally": tally,
            "recommendation": recommendation,
            "recommendation_label": _label(recommendation),
            "rules": selectors.rules_current(),
            "decision": getattr(application, "decision", None) if hasattr(application, "decision") else None,
            "is_chair": is_panel_chair(user),
        }
        return render(request, "panel/review.html", context)


class VersionView(PanelApplicationMixin, View):
    """An earlier version in full, with what changed since the one before (the review page shows the
    current version and links to each earlier one)."""

    def get(self, request, reference, number):
        try:
            version, previous = selectors.version_for_panel(application=self.application, number=number)
        except ApplicationVersion.DoesNotExist as exc:
            raise Http404("No such version.") from exc
        context = {
            "application": self.application,
            "version": version,
            "previous": previous,
            "diff": application_version_diff(previous, version) if previous else None,
        }
        return render(request, "panel/version.html", context)


class AttachmentDownloadView(PanelApplicationMixin, View):
    """An attachment, for a member who declared no conflict (the same rule as the review page)."""

    http_method_names = ["get"]

    def get(self, request, reference, pk):
        attachment = get_object_or_404(self.application.attachments, pk=pk)
        return private_file_response(
            attachment.file, download_name=attachment.original_name, content_type="application/pdf"
        )


class StaffAttachmentDownloadView(StaffRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, reference, pk):
        application = get_object_or_404(
            Application.objects.filter(status__in=PANEL_VISIBLE), reference=reference
        )
        attachment = get_object_or_404(application.attachments, pk=pk)
        return private_file_response(
            attachment.file, download_name=attachment.original_name, content_type="application/pdf"
        )


class VoteView(PanelApplicationMixin, View):
    def get(self, request, reference):
        vote = selectors.my_current_vote(application=self.application, user=request.user)
        return self._render(request, VoteForm(initial=vote_initial(vote)), vote)

    def post(self, request, reference):
        form = VoteForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.vote_cast(application=self.application, member=request.user, **form.cleaned_data)
                messages.success(request, "Your vote is recorded. You can change it until voting closes.")
                return redirect("panel:tally", reference=reference)
        vote = selectors.my_current_vote(application=self.application, user=request.user)
        return self._render(request, form, vote, status=400)

    def _render(self, request, form, vote, status=200):
        context = {
            "application": self.application,
            "form": form,
            "vote": vote,
            "voting_open": selectors.voting_is_open(self.application),
        }
        return render(request, "panel/vote.html", context, status=status)


class TallyView(PanelApplicationMixin, View):
    def get(self, request, reference):
        if not selectors.votes_visible_to(application=self.application, user=request.user):
            raise PermissionDenied(
                "You see the other votes after you have voted on this version, or once voting closes."
            )
        recommendation, tally = selectors.recommendation_for(self.application)
        context = {
            "application": self.application,
            "votes": selectors.all_votes_for_display(self.application),
            "tally": tally,
            "recommendation": recommendation,
            "recommendation_label": _label(recommendation),
            "rules": selectors.rules_current(),
            "voting_open": selectors.voting_is_open(self.application),
        }
        return render(request, "panel/tally.html", context)


class ChairApplicationMixin(PanelApplicationMixin):
    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and is_panel_member(request.user)
            and not is_panel_chair(request.user)
        ):
            raise PermissionDenied("Only a panel chair records decisions.")
        return super().dispatch(request, *args, **kwargs)


class DecideView(ChairApplicationMixin, View):
    def get(self, request, reference):
        return self._render(request, DecisionForm())

    def post(self, request, reference):
        form = DecisionForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.decision_record(
                    application=self.application, chair=request.user, **form.cleaned_data
                )
                messages.success(request, "The decision is recorded; the team and ONS are being told.")
                return redirect("panel:decision_letter", reference=reference)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        application = self.application
        application.refresh_from_db()
        user = request.user
        votes_visible = selectors.votes_visible_to(application=application, user=user)
        recommendation, tally = selectors.recommendation_for(application)
        context = {
            "application": application,
            "form": form,
            "refusal": selectors.chair_may_decide(application=application, chair=user),
            "progress": selectors.member_progress(application),
            "votes_visible": votes_visible,
            # the current version's votes; the earlier ones are on the tally page
            "votes": selectors.all_votes_for_display(application, current_only=True) if votes_visible else [],
            "earlier_votes": selectors.earlier_votes_count(application) if votes_visible else 0,
            "tally": tally if votes_visible else None,
            "counted": tally.counted,
            "recommendation": recommendation if votes_visible else None,
            "recommendation_label": _label(recommendation) if votes_visible else "",
            "rules": selectors.rules_current(),
            "voting_open": selectors.voting_is_open(application),
        }
        return render(request, "panel/decide.html", context, status=status)


class QueryView(LoginRequiredMixin, View):
    """The chair (without a conflict) or staff send the team questions."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        user = request.user
        if not (is_panel_member(user) or is_staff_member(user)):
            raise Http404("No such application.")
        self.application = selectors.application_for_panel(reference=kwargs["reference"], user=user)
        if self.application is None:
            raise Http404("No such application.")
        if is_panel_member(user):
            if not is_panel_chair(user):
                raise PermissionDenied("Only the chair or staff can query the applicants.")
            declaration = selectors.conflict_for(application=self.application, user=user)
            gate = conflict_before_content(
                declaration, declare_url="panel:declare", reference=self.application.reference
            )
            if gate is not None:
                return gate
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, reference):
        return self._render(request, QueryForm())

    def post(self, request, reference):
        form = QueryForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.application_query_raise(
                    application=self.application, actor=request.user, questions=form.cleaned_data["questions"]
                )
                messages.success(request, "The questions are sent; the application is now queried.")
                if is_staff_member(request.user):
                    return redirect("panel:staff_application", reference=reference)
                return redirect("panel:review", reference=reference)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {
            "application": self.application,
            "form": form,
            "page_title": f"Query {self.application.reference}",
        }
        return render(request, "panel/query.html", context, status=status)


class DecisionLetterView(LoginRequiredMixin, View):
    def get(self, request, reference):
        decision = selectors.decision_letter_for(reference=reference, user=request.user)
        if decision is None:
            raise Http404("No such decision.")
        return render(
            request, "panel/decision_letter.html", {"decision": decision, "application": decision.application}
        )


# --- staff --------------------------------------------------------------------------------------


#: The staff application list's tabs (``?list=``): caption and what each says when empty.
STAFF_LIST_TABS = {
    "screening": ("Awaiting screening (submitted or resubmitted)", "Nothing awaits screening."),
    "others": ("Under review, queried and decided", "None yet."),
}


class StaffApplicationListView(StaffRequiredMixin, View):
    """One of two lists a page, each selected in SQL and paginated (``?list=``, ``?page=``): awaiting
    screening (shown first while anything awaits it) and the others; the tabs show both sizes and
    the search narrows both."""

    def get(self, request):
        search = StaffApplicationFilter(request.GET or None, queryset=Application.objects.none())
        searching = any(request.GET.get(name) for name in search.filters)
        if searching:
            search.is_valid()  # the form shows what it refused; the valid fields still apply

        def rows(awaiting_screening: bool):
            applications = selectors.staff_application_list(
                awaiting_screening=awaiting_screening, only_listed=True
            )
            return search.filter_queryset(applications) if searching else applications

        lists = {"screening": rows(True), "others": rows(False)}
        counts = {name: qs.count() for name, qs in lists.items()}
        current = request.GET.get("list")
        if current not in lists:
            current = "screening" if counts["screening"] else "others"
        paginator = Paginator(lists[current], selectors.PAGE_SIZE)
        paginator.count = counts[current]  # counted above: no COUNT query of its own
        keep = {name: request.GET.getlist(name) for name in request.GET if name not in ("list", "page")}
        tabs, pager_query = _list_tabs(
            keep, {name: caption for name, (caption, _empty) in STAFF_LIST_TABS.items()}, counts, current
        )
        context = {
            "search": search,
            "searching": searching,
            "tabs": tabs,
            "applications": paginator.get_page(request.GET.get("page")),
            "caption": STAFF_LIST_TABS[current][0],
            "empty": STAFF_LIST_TABS[current][1],
            "pager_query": pager_query,
        }
        return render(request, "panel/staff_applications.html", context)


class StaffApplicationView(StaffRequiredMixin, View):
    def get(self, request, reference):
        return self._render(request, OpenReviewForm())

    def post(self, request, reference):
        application = get_object_or_404(
            Application.objects.filter(status__in=PANEL_VISIBLE), reference=reference
        )
        form = OpenReviewForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.review_open(
                    application=application,
                    actor=request.user,
                    voting_deadline=form.cleaned_data["voting_deadline"],
                )
                messages.success(request, f"{reference} is open for the panel's review.")
                return redirect("panel:staff_applications")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        try:
            application = selectors.application_detail_for_review(reference=self.kwargs["reference"])
        except Application.DoesNotExist as exc:
            raise Http404("No such application.") from exc
        if application.status not in PANEL_VISIBLE:
            raise Http404("No such application.")
        versions = selectors.review_versions(application)
        context = {
            "application": application,
            "form": form,
            "can_open": application.status in AWAITING_SCREENING,
            "current_version": versions.current,
            "version_diff": _version_diff(versions),
            "attachments": selectors.attachments_for(application),
            "team": application_team_users(application=application),
            "accreditations": selectors.accreditation_checks(application),
            "matches": selectors.automatic_checks(application),
            "decision": getattr(application, "decision", None) if hasattr(application, "decision") else None,
            "terms_status": terms_team_status(application=application),
            "today": timezone.localdate(),
        }
        grant = grant_in_force(application=application)
        if grant is not None:  # approved: the grant in force, its history, and why it is suspended
            context |= {
                "grant": grant,
                "grants": grant_history(application=application),
                "grant_team": grant_team_lines(grant.team),
            }
        return render(request, "panel/staff_application.html", context, status=status)


class StaffMembersView(StaffRequiredMixin, View):
    def get(self, request):
        return self._render(request, MemberAddForm())

    def post(self, request):
        form = MemberAddForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.panel_member_add(
                    actor=request.user, user=form.cleaned_data["user"], is_chair=form.cleaned_data["is_chair"]
                )
                messages.success(request, f"{form.cleaned_data['user'].get_full_name()} is on the panel.")
                return redirect("panel:staff_members")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "current": selectors.membership_list_current(),
            "past": selectors.membership_list_past()[:50],
        }
        return render(request, "panel/staff_members.html", context, status=status)


class StaffRulesView(StaffRequiredMixin, View):
    """The quorum and the outcome rule the recommendations follow."""

    def get(self, request):
        return self._render(request, PanelRulesForm(initial=selectors.rules_current().snapshot()))

    def post(self, request):
        form = PanelRulesForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                rules = services.panel_rules_update(actor=request.user, **form.cleaned_data)
                messages.success(request, f"The panel's rules are now: {rules}.")
                return redirect("panel:staff_rules")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "rules": selectors.rules_current(),
            "members": selectors.membership_list_current().count(),
        }
        return render(request, "panel/staff_rules.html", context, status=status)


class StaffMemberEndView(StaffRequiredMixin, View):
    def post(self, request, pk):
        membership = get_object_or_404(PanelMembership, pk=pk)
        return domain_action(
            request,
            services.panel_member_remove,
            actor=request.user,
            membership=membership,
            success=f"{membership.user.get_full_name()} has left the panel.",
            redirect_to="panel:staff_members",
        )


class StaffMemberChairView(StaffRequiredMixin, View):
    """Make a current member a chair, or a chair a member."""

    def post(self, request, pk):
        membership = get_object_or_404(PanelMembership, pk=pk, ended_at__isnull=True)
        return domain_action(
            request,
            services.panel_member_add,
            actor=request.user,
            user=membership.user,
            is_chair=not membership.is_chair,
            success="The membership is changed.",
            redirect_to="panel:staff_members",
        )


class InterestsView(PanelRequiredMixin, View):
    """A member's own register of interests."""

    def get(self, request):
        return self._render(request, InterestForm())

    def post(self, request):
        form = InterestForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                services.member_interest_declare(
                    actor=request.user, member=request.user, description=form.cleaned_data["description"]
                )
                messages.success(request, "Your interest is recorded.")
                return redirect("panel:interests")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "interests": selectors.interest_list(member=request.user, include_withdrawn=True),
        }
        return render(request, "panel/interests.html", context, status=status)


class InterestWithdrawView(PanelRequiredMixin, View):
    def post(self, request, pk):
        interest = get_object_or_404(MemberInterest, pk=pk, member=request.user)
        services.member_interest_withdraw(actor=request.user, interest=interest)
        messages.success(request, "The interest is marked as withdrawn.")
        return redirect("panel:interests")


class InterestRegisterView(RoleRequiredMixin, View):
    """Every member's standing interests, for the chair and staff."""

    role_check = staticmethod(lambda user: is_panel_chair(user) or is_staff_member(user))

    def get(self, request):
        interests = selectors.interest_list(include_withdrawn=False)
        return render(request, "panel/interest_register.html", {"interests": interests})
