"""What the panel's screens of applications (``views.py``) and of change requests
(``change_views.py``) share: conflict before content, the conflict declaration's form, and a
member's vote as the form's initial answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from core.views_support import domain_errors_on

from .forms import ConflictDeclarationForm

#: What a member who declared a conflict reads when they open an application's content (the 403 page).
CONFLICT_REFUSAL = (
    "You declared a conflict of interest on this application, so you do not see its content and do not "
    "vote on it."
)

#: The answers of a vote that the vote form shows again.
VOTE_ANSWERS = ("project_vote", "project_comment", "researcher_fit", "researcher_fit_comment")


def conflict_before_content(declaration, *, declare_url: str, reference: str):
    """Conflict before content: a member who has not declared yet is sent to ``declare_url`` (the
    redirect is returned); one who declared a conflict is refused (403). None: they may see it."""
    if declaration is None:
        return redirect(declare_url, reference=reference)
    if declaration.has_conflict:
        raise PermissionDenied(CONFLICT_REFUSAL)
    return None


def vote_initial(vote) -> dict:
    """The member's current vote as the vote form's initial answers ({} before they voted)."""
    return {f: getattr(vote, f) for f in VOTE_ANSWERS} if vote is not None else {}


class ConflictDeclareMixin:
    """The declaration page's GET and POST, for an application and for a change request alike: the
    view loads ``declaration`` (its dispatch), calls its service in ``declare`` and renders in
    ``_render``. A conflict sends the member back to the queue; no conflict, on to ``review_url``."""

    review_url: str

    def declare(self, *, member, has_conflict: bool, reason: str):
        raise NotImplementedError

    def get(self, request, reference):
        form = None if self.declaration else ConflictDeclarationForm()
        return self._render(request, form)

    def post(self, request, reference):
        form = ConflictDeclarationForm(request.POST)
        if form.is_valid():
            with domain_errors_on(form):
                declaration = self.declare(
                    member=request.user,
                    has_conflict=form.cleaned_data["has_conflict"],
                    reason=form.cleaned_data["reason"],
                )
                if declaration.has_conflict:
                    messages.info(
                        request, "Your conflict of interest is recorded: you will not see or vote on it."
                    )
                    return redirect("panel:queue")
                messages.success(request, "Your declaration is recorded.")
                return redirect(self.review_url, reference=reference)
        return self._render(request, form, status=400)
