"""Migration 0004: decisions made before ``Decision.team`` existed get their team from the profiles
as they are when it runs, past the append-only trigger, which is back on afterwards."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import ResearcherProfile
from applications.selectors import application_team_snapshot
from panel.models import Decision
from tests.factories.notifications import OnsApplicationFactory
from tests.factories.panel import DecisionFactory

BEFORE = [("panel", "0003_quorum_notice")]
AFTER = [("panel", "0004_decision_team")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _migrate_to_the_latest():
    """Every app back at its last migration (going back to panel 0003 also took back what depends on
    later panel migrations, such as notifications 0002 and 0003)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _as_0004_wrote_it(snapshot: list[dict]) -> list[dict]:
    """The team as migration 0004 stores it: the snapshot of its day, before the accreditation
    status was kept too."""
    return [{k: v for k, v in member.items() if k != "accreditation_status"} for member in snapshot]


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_existing_decisions_from_the_profiles_and_keeps_them_immutable():
    application = OnsApplicationFactory()  # the lead, an accepted co-applicant and an invitee
    decision = DecisionFactory(application=application, team=[])
    alone = DecisionFactory()  # an application whose team is its lead
    _migrate(BEFORE)
    try:
        # Edited while the column did not exist: the backfill reads the profiles as they are now.
        ResearcherProfile.objects.filter(user=application.lead).update(organisation="University of Leeds")
    finally:
        _migrate(AFTER)  # the migration under test
        _migrate_to_the_latest()  # and the schema back for the next tests
    team = Decision.objects.get(pk=decision.pk).team
    assert team == _as_0004_wrote_it(application_team_snapshot(application=application))
    assert [member["role"] for member in team] == ["lead", "researcher"]
    assert team[0]["organisation"] == "University of Leeds"
    assert Decision.objects.get(pk=alone.pk).team == _as_0004_wrote_it(
        application_team_snapshot(application=alone.application)
    )
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(team=[])
