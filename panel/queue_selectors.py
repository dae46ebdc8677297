"""The panel member's queue: which applications (and change requests) wait on them, in SQL and one
list a page. Its lists are tabs with their sizes; a page shows one list, so the queue costs the
same whatever the number of applications: the sizes in three queries (``panel_queue_counts``, the
decided list's and the change requests' counts) and one page of the list shown."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FilteredRelation, Q, QuerySet

from accounts.models import User
from applications.enums import REVIEWING, ApplicationStatus
from applications.models import Application

from .change_selectors import panel_change_requests
from .permissions import applications_seen_by

#: Rows a page of each list (as the staff application list: ``panel.selectors.PAGE_SIZE``).
PAGE_SIZE = 50


def queue_search(text: str) -> Q:
    """The queue's search. It matches only what every member's queue shows of every row, conflicted
    or not (reference, title, the lead's organisation), so a search reveals nothing of the content."""
    text = text.strip()
    if not text:
        return Q()
    return (
        Q(reference__icontains=text)
        | Q(title__icontains=text)
        | Q(lead__researcher_profile__organisation__icontains=text)
    )


def _queue_seen(user: User, search: str) -> QuerySet[Application]:
    """The applications the panel sees (never a draft) that match ``search`` (``queue_search``)."""
    return applications_seen_by(user).exclude(status=ApplicationStatus.DRAFT).filter(queue_search(search))


def _queue_applications(user: User, search: str = "") -> QuerySet[Application]:
    """``_queue_seen``, each with this member's declaration and vote on the current version as
    ``has_declared``, ``has_conflict`` and ``has_voted``. Both are LEFT JOINs on their unique keys
    (at most one row each), so a list filters and sorts them in one pass instead of a subquery per
    row and flag."""
    return (
        _queue_seen(user, search)
        .annotate(
            my_declaration=FilteredRelation(
                "conflict_declarations", condition=Q(conflict_declarations__member=user)
            ),
            my_vote=FilteredRelation(
                "votes", condition=Q(votes__member=user, votes__version_number=F("version_number"))
            ),
        )
        .annotate(
            has_declared=_flag(Q(my_declaration__isnull=False)),
            has_conflict=_flag(Q(my_declaration__has_conflict=True)),
            has_voted=_flag(Q(my_vote__isnull=False)),
        )
    )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


_AWAITING_VOTE = Q(
    has_declared=True, has_conflict=False, has_voted=False, status=ApplicationStatus.UNDER_REVIEW
)

#: The queue's work sections, each a filter over the applications still in review (``_queue_applications``
#: with ``status__in=REVIEWING``); every application in review is in exactly one of them. The queue's lists
#: and the home page's counts (``panel_queue_counts``) both use these, so they cannot disagree.
QUEUE_WORK_SECTIONS: dict[str, Q] = {
    "awaiting_declaration": Q(has_declared=False),
    "awaiting_vote": _AWAITING_VOTE,
    "in_progress": Q(has_declared=True) & ~_AWAITING_VOTE,
}


#: The columns the queue's tables show (templates/panel/_queue_table.html).
_QUEUE_COLUMNS = (
    "reference",
    "title",
    "status",
    "version_number",
    "voting_deadline",
    "decided_at",
    "lead__researcher_profile__organisation",
)


def _decided(user: User, search: str) -> QuerySet[Application]:
    """What the panel saw that is no longer in review (the decided list's rows, without the member's
    declaration and vote: counted by the partial index application_panel_closed alone)."""
    return _queue_seen(user, search).exclude(status__in=REVIEWING)


def queue_section(*, user: User, section: str, search: str = "") -> QuerySet[Application]:
    """One list of the member's queue, in SQL, ordered for a stable pagination: the three work
    sections (``QUEUE_WORK_SECTIONS``) by voting deadline, and ``decided`` (everything the panel saw
    that is no longer in review) most recent decision first, on the indexed ``decided_at``."""
    applications = (
        _queue_applications(user, search)
        .select_related("lead__researcher_profile")
        .only(*_QUEUE_COLUMNS)  # not the long answers: the rows are a third of the size
    )
    if section == "decided":
        return (
            applications.exclude(status__in=REVIEWING)
            .select_related("decision")
            .only(*_QUEUE_COLUMNS, "decision__outcome")
            .order_by(F("decided_at").desc(nulls_last=True), "-pk")
        )
    return applications.filter(QUEUE_WORK_SECTIONS[section], status__in=REVIEWING).order_by(
        F("voting_deadline").asc(nulls_last=True), "-submitted_at", "pk"
    )


#: The queue's lists in the order of its tabs, by their query-string name (``?list=``): the three
#: work sections, the change requests routed to the member, and what the panel saw that is closed.
QUEUE_LISTS = ("declare", "vote", "changes", "progress", "decided")
_SECTIONS = {
    "declare": "awaiting_declaration",
    "vote": "awaiting_vote",
    "progress": "in_progress",
    "decided": "decided",
}
#: The lists a member lands on first, when one has anything in it (else the decided list).
_WORK_LISTS = ("declare", "vote", "changes", "progress")


@dataclass
class Queue:
    """The sizes of every list (by ``QUEUE_LISTS`` name), the list shown and one page of it
    (applications annotated with ``has_declared``, ``has_conflict`` and ``has_voted``; change
    requests likewise, see ``panel_change_requests``)."""

    counts: dict[str, int]
    current: str
    page: Page


def queue_list_current(requested: str | None, counts: dict[str, int]) -> str:
    """The list to show: the one asked for when it is a list's name, else the first work list with
    anything in it, else the decided list."""
    if requested in QUEUE_LISTS:
        return requested
    return next((name for name in _WORK_LISTS if counts[name]), "decided")


def panel_queue_for(
    *, user: User, list_name: str | None = None, page: object = None, search: str = ""
) -> Queue:
    """The member's queue: every list's size and one page (``PAGE_SIZE``) of the list ``list_name``
    (``queue_list_current``); ``page`` the page number wanted (the first when absent or invalid);
    ``search`` narrows the application lists (``queue_search``; change requests are not searched).
    Four queries whatever the number of applications."""
    sections = panel_queue_counts(user=user, search=search)
    changes = panel_change_requests(user=user)
    counts = {
        "declare": sections["awaiting_declaration"],
        "vote": sections["awaiting_vote"],
        "changes": changes.count(),
        "progress": sections["in_progress"],
        "decided": _decided(user, search).count(),
    }
    current = queue_list_current(list_name, counts)
    if current == "changes":
        rows = changes
    else:
        rows = queue_section(user=user, section=_SECTIONS[current], search=search)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts[current]  # a cached_property: no COUNT query of its own
    return Queue(counts=counts, current=current, page=paginator.get_page(page))


def panel_queue_counts(*, user: User, search: str = "") -> dict[str, int]:
    """How many applications are in each work section of the member's queue, in one aggregate query
    (no rows): the same filters as ``queue_section``."""
    return (
        _queue_applications(user, search)
        .filter(status__in=REVIEWING)
        .aggregate(
            **{section: Count("pk", filter=condition) for section, condition in QUEUE_WORK_SECTIONS.items()}
        )
    )
