"""What one decision costs the database (issue 19): each fact is read once under the row lock and the
rows written together, so a read that comes back twice fails here. The count is the statements
``decision_record`` sends (its savepoint inside the test's transaction left out), for a team of two
accepted members and an invited one, one deposit with two SRS datasets, both ONS channels, voting
closed, and ONS endpoints already known (a first decision creates them: two statements each)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.enums import ApplicationsAuditAction
from core.models import AuditEvent, QueuedEmail
from notifications.enums import NotificationsAuditAction, OnsChannel
from notifications.models import OnsNotification
from notifications.services import ons_channels_configured, ons_endpoint_for
from panel import services
from panel.enums import DecisionOutcome, PanelAuditAction
from tests.celery_support import WEBHOOK_SECRET
from tests.factories.notifications import OnsApplicationFactory
from tests.factories.panel import votes_cast

pytestmark = pytest.mark.django_db

#: The statements of one approval. Before issue 19 it took 32 (and a savepoint pair around the
#: decision's INSERT): the declaration, the rules and the tally read twice, the team twice, the
#: deposits and the grant again for ONS, the application locked twice, the previous grant and the
#: last grant number looked up for grant 1, one INSERT per audit event, per ONS row and per endpoint
#: lookup. Now:
#:  1 lock the application                        10 INSERT grant 1 (no previous grant to look up)
#:  2 the chair's conflict declaration            11 INSERT its deposits
#:  3 the panel's rules                           12 the application's last ONS sequence
#:  4 the counted votes (the tally)               13 the ONS endpoints, both channels at once
#:  5 is there a decision already                 14 INSERT the ONS rows, both channels at once
#:  6 the accepted team (snapshot and email)      15 INSERT the team's email
#:  7 INSERT the decision                         16 INSERT the audit events (decision, grant, ONS)
#:  8 UPDATE the application's status
#:  9 the deposits requested and their SRS datasets (two: the prefetch)
APPROVAL_STATEMENTS = 17
#: A rejection (22 before): no grant (statements 9 to 11), and ONS is told no grant and no datasets.
REJECTION_STATEMENTS = 13
ONS_QUEUED = NotificationsAuditAction.QUEUED


@pytest.fixture
def ready(board, settings):
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    for channel, target in ons_channels_configured():
        ons_endpoint_for(channel=channel, target=target)
    application = OnsApplicationFactory()
    votes_cast(application, board.members, *[("approve", "suitable")] * 3)
    services.conflict_declare(application=application, member=board.chair, has_conflict=False)
    application.voting_deadline = timezone.now() - timedelta(minutes=1)
    application.save(update_fields=["voting_deadline"])
    return application


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize(
    ("outcome", "most", "events"),
    [
        (
            DecisionOutcome.APPROVED,
            APPROVAL_STATEMENTS,
            [PanelAuditAction.DECISION_RECORDED, ApplicationsAuditAction.GRANT_ISSUED, ONS_QUEUED],
        ),
        (DecisionOutcome.REJECTED, REJECTION_STATEMENTS, [PanelAuditAction.DECISION_RECORDED, ONS_QUEUED]),
    ],
)
def test_one_decision_reads_each_fact_once_and_writes_each_kind_of_row_in_one_statement(
    ready, board, outcome, most, events
):
    last_event = AuditEvent.objects.order_by("pk").values_list("pk", flat=True).last() or 0
    with CaptureQueriesContext(connection) as captured:
        decision = services.decision_record(
            application=ready,
            chair=board.chair,
            outcome=outcome,
            rationale="Strong benefit.",
            departure_reason="" if outcome == DecisionOutcome.APPROVED else "The linkage risk.",
        )
    statements = _statements(captured.captured_queries)
    assert len(statements) <= most, "\n".join(f"{n}: {sql[:160]}" for n, sql in enumerate(statements, 1))
    # Everything is still written: every audit event (in the order recorded), both ONS rows, the email.
    written = AuditEvent.objects.filter(pk__gt=last_event).order_by("pk").values_list("action", flat=True)
    assert list(written) == events
    rows = OnsNotification.objects.filter(decision=decision)
    assert sorted(rows.values_list("channel", flat=True)) == [OnsChannel.EMAIL, OnsChannel.WEBHOOK]
    email = QueuedEmail.objects.get(topic="panel/decision")
    assert sorted(email.to) == sorted(member["email"] for member in decision.team)
