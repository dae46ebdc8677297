"""What the services of the team's life after approval share: who may act, and links."""

from core.errors import InvalidTransition, NotPermitted
from core.links import absolute_url

from ...enums import OUTPUTS_RECORDABLE
from ...models import Application
from ...permissions import can_view_application


def ensure_team(application: Application, actor) -> None:
    if not can_view_application(actor, application):
        raise NotPermitted("Only the project's team may do this.")


def ensure_outputs_recordable(application: Application) -> None:
    if application.status not in OUTPUTS_RECORDABLE:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}: outputs are "
            "recorded for approved projects only."
        )


def report_url(application: Application, report) -> str:
    return absolute_url("applications:report", pk=application.pk, report_pk=report.pk)
