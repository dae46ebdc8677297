import threading

import pytest
from django.db import connection

from core.errors import DomainError
from panel import services
from panel.models import Decision
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.panel import declared_vote, panel_member


@pytest.mark.django_db(transaction=True)
def test_two_chairs_deciding_at_once_produce_exactly_one_decision(board):
    app = UnderReviewApplicationFactory()
    for member in board.members[:3]:
        declared_vote(app, member)
    chairs = [board.chair, panel_member(chair=True)]
    for chair in chairs:
        declared_vote(app, chair)
    barrier = threading.Barrier(len(chairs))
    outcomes: list = []

    def decide(chair, outcome):
        try:
            barrier.wait(timeout=10)
            decision = services.decision_record(
                application=app,
                chair=chair,
                outcome=outcome,
                rationale=f"By {chair.email}",
                departure_reason="Risk",
            )
            outcomes.append(("ok", decision.pk))
        except DomainError as exc:
            outcomes.append(("refused", exc.message))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(chair, outcome))
        for chair, outcome in zip(chairs, ["approved", "rejected"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Decision.objects.filter(application=app).count() == 1
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    message = next(detail for kind, detail in outcomes if kind == "refused")
    assert message == f"{app.reference} has already been decided; a decision cannot be changed."
