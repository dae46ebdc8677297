"""The lists and lookups of the team's pages: the applications a user is on the team of, one of
them, the invitations waiting for them, and an application's versions and the panel's questions."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ..enums import GrantStatus, MemberStatus
from ..models import Application, ApplicationMember, ApplicationQuery, ApplicationVersion, Grant
from ..permissions import applications_visible_to, invitations_for


def application_list_for_user(*, user) -> QuerySet[Application]:
    """The applications on whose team ``user`` is, with what the "my applications" page needs
    (a fixed number of queries, whatever the number of rows)."""
    open_queries = ApplicationQuery.objects.filter(application=OuterRef("pk"), answered_at__isnull=True)
    pending_invites = ApplicationMember.objects.filter(
        application=OuterRef("pk"), status=MemberStatus.INVITED
    )
    suspended = Grant.objects.filter(application=OuterRef("pk"), status=GrantStatus.SUSPENDED)
    return (
        applications_visible_to(user)
        .select_related("lead")
        .annotate(
            has_open_query=Exists(open_queries),
            has_pending_invites=Exists(pending_invites),
            grant_suspended=Exists(suspended),
            team_size=Count("members", filter=Q(members__status=MemberStatus.ACCEPTED), distinct=True),
        )
        .order_by("-updated_at", "-pk")
    )


def application_get_for_user(*, user, pk: int) -> Application | None:
    """One application the user may see, or None (the view answers 404)."""
    return applications_visible_to(user).select_related("lead").filter(pk=pk).first()


def invitation_list_for_user(*, user) -> QuerySet[ApplicationMember]:
    return invitations_for(user).select_related("application", "application__lead", "invited_by")


def application_versions(*, application: Application) -> QuerySet[ApplicationVersion]:
    return application.versions.select_related("submitted_by").order_by("number")


def application_queries(*, application: Application) -> QuerySet[ApplicationQuery]:
    return application.queries.select_related("raised_by", "answered_by").order_by("created_at", "pk")


def application_open_queries(*, application: Application) -> QuerySet[ApplicationQuery]:
    return application_queries(application=application).filter(answered_at__isnull=True)
