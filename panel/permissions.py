"""Who on the panel may see what, in one place. Each rule is a predicate and a queryset that mirror
each other (tests/panel/test_permissions.py checks they agree):

- the panel *sees* an application (its title and the lead's organisation) once staff opened it for
  review; staff see every application that is not a draft;
- a member sees its *content* (answers, attachments, the team) and may vote only after declaring no
  conflict of interest on it; a conflicted member never does.

Whether a member may see other members' votes is ``panel.selectors.votes_visible_to``.
"""

from django.db.models import Exists, OuterRef, QuerySet

from applications.enums import ApplicationStatus
from applications.models import Application
from core.permissions import is_panel_member, is_staff_member

from .models import ConflictDeclaration


def can_see_application(user, application: Application) -> bool:
    if is_staff_member(user):
        return application.status != ApplicationStatus.DRAFT
    if is_panel_member(user):
        return application.review_opened_at is not None
    return False


def applications_seen_by(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Application.objects.all() if queryset is None else queryset
    if is_staff_member(user):
        return queryset.exclude(status=ApplicationStatus.DRAFT)
    if is_panel_member(user):
        return queryset.filter(review_opened_at__isnull=False)
    return queryset.none()


def can_see_content(user, application: Application) -> bool:
    if is_staff_member(user):
        return can_see_application(user, application)
    if not can_see_application(user, application):
        return False
    return ConflictDeclaration.objects.filter(
        application=application, member=user, has_conflict=False
    ).exists()


def applications_with_content_for(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = applications_seen_by(user, queryset)
    if is_staff_member(user) or not is_panel_member(user):
        return queryset
    cleared = ConflictDeclaration.objects.filter(application=OuterRef("pk"), member=user, has_conflict=False)
    return queryset.filter(Exists(cleared))
