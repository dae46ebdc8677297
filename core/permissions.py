"""Role-wide rights, in one place. Per-object rules live in each app's permissions.py."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_portal_staff)


def is_panel_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_panel_member)


def is_panel_chair(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_panel_chair)


def is_researcher(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_researcher)


class RoleRequiredMixin(AccessMixin):
    """Anonymous visitors are sent to sign in; signed-in users without the role get 403."""

    role_check = staticmethod(lambda user: True)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.role_check(request.user):
            raise PermissionDenied("This page is not part of your role.")
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_staff_member)


class PanelRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_panel_member)


class ChairRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_panel_chair)


class ResearcherRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_researcher)
