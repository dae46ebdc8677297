"""Who may see an application on the researcher's side: the accepted members of its team, and no
one else. Team membership is a django-guardian grant (``view_application`` on the direct
foreign-key table ApplicationUserObjectPermission), given when a member accepts and taken away
when they are removed. The predicate and the queryset below say the same thing (a test checks
that they agree); panel members and staff see applications through their own views in panel/.
"""

from django.db.models import QuerySet

from .enums import MemberStatus
from .models import Application, ApplicationMember, ApplicationUserObjectPermission

VIEW_PERMISSION = "view_application"
CHANGE_PERMISSION = "change_application"
#: What every accepted team member holds on the application.
TEAM_PERMISSIONS = (VIEW_PERMISSION, CHANGE_PERMISSION)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _grants(user) -> QuerySet:
    return ApplicationUserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__codename=VIEW_PERMISSION,
        permission__content_type__app_label="applications",
    )


def can_view_application(user, application: Application) -> bool:
    """True when ``user`` is on the application's team (holds the object grant)."""
    if not _active(user) or application.pk is None:
        return False
    return _grants(user).filter(content_object_id=application.pk).exists()


def applications_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The applications ``can_view_application`` allows, as a queryset."""
    queryset = Application.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(pk__in=_grants(user).values("content_object_id"))


def is_lead(user, application: Application) -> bool:
    return _active(user) and application.lead_id == user.pk


def can_respond_to_invitation(user, membership: ApplicationMember) -> bool:
    """An invitation is answered by the person whose address it was sent to."""
    return (
        _active(user)
        and membership.status == MemberStatus.INVITED
        and membership.email.lower() == user.email.lower()
    )


def invitations_for(user) -> QuerySet:
    """The open invitations ``can_respond_to_invitation`` allows, as a queryset."""
    if not _active(user):
        return ApplicationMember.objects.none()
    return ApplicationMember.objects.filter(status=MemberStatus.INVITED, email__iexact=user.email)
