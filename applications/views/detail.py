"""The team's pages of one application: the application (with the grant in force and its change
requests, once approved) and a submitted version."""

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from .. import grant_services
from ..enums import CHANGE_REQUEST_OPEN, EDITABLE
from ..grant_selectors import change_requests_for_application, grant_history, grant_in_force, grant_team_lines
from ..selectors import (
    application_previous_version,
    application_problems,
    application_queries,
    application_section_progress,
    application_team,
    application_use_condition_matches,
    application_version_diff,
    application_versions,
    terms_team_status,
)
from ._common import TeamApplicationMixin


class ApplicationDetailView(TeamApplicationMixin, TemplateView):
    template_name = "applications/detail.html"

    def get_context_data(self, **kwargs):
        app = self.application
        editable = app.status in EDITABLE
        return super().get_context_data(
            progress=application_section_progress(application=app),
            problems=application_problems(application=app) if editable else [],
            matches=application_use_condition_matches(application=app) if editable else [],
            team=application_team(application=app),
            attachments=app.attachments.select_related("uploaded_by"),
            versions=application_versions(application=app),
            queries=list(application_queries(application=app)),
            **self._grant_context(app),
            terms_status=terms_team_status(application=app, user=self.request.user),
            **kwargs,
        )

    def _grant_context(self, app) -> dict:
        """The grant in force, its history and the change requests (approved projects only)."""
        grant = grant_in_force(application=app)
        if grant is None:
            return {}
        return {
            "grant": grant,
            "grants": grant_history(application=app),
            "grant_team": grant_team_lines(grant.team),
            "change_requests": list(change_requests_for_application(application=app)),
            "can_request_change": self.is_lead
            and grant.status in grant_services.CHANGEABLE
            and not app.change_requests.filter(status__in=CHANGE_REQUEST_OPEN).exists(),
        }


class VersionDetailView(TeamApplicationMixin, TemplateView):
    """A submitted version, read-only, with what changed since the one before."""

    template_name = "applications/version_detail.html"

    def get_context_data(self, **kwargs):
        version = get_object_or_404(
            application_versions(application=self.application), number=self.kwargs["number"]
        )
        previous = application_previous_version(version=version)
        return super().get_context_data(
            version=version,
            previous=previous,
            diff=application_version_diff(previous, version) if previous else None,
            **kwargs,
        )
