import pytest

from applications.enums import ApplicationStatus
from panel import services
from panel.permissions import (
    applications_seen_by,
    applications_with_content_for,
    can_see_application,
    can_see_content,
)
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import SubmittedApplicationFactory, UnderReviewApplicationFactory

pytestmark = pytest.mark.django_db


def test_panel_predicates_and_querysets_agree(board, staff):
    member = board.members[0]
    draft = SubmittedApplicationFactory(status=ApplicationStatus.DRAFT, version_number=0, submitted_at=None)
    submitted = SubmittedApplicationFactory()
    undeclared = UnderReviewApplicationFactory()
    cleared = UnderReviewApplicationFactory()
    conflicted = UnderReviewApplicationFactory()
    services.conflict_declare(application=cleared, member=member, has_conflict=False)
    services.conflict_declare(application=conflicted, member=member, has_conflict=True, reason="Colleague")
    applications = [draft, submitted, undeclared, cleared, conflicted]
    expectations = {
        member: ({undeclared, cleared, conflicted}, {cleared}),
        board.members[1]: ({undeclared, cleared, conflicted}, set()),
        staff: ({submitted, undeclared, cleared, conflicted}, {submitted, undeclared, cleared, conflicted}),
        ResearcherFactory(): (set(), set()),
    }
    for user, (seen, content) in expectations.items():
        assert {a for a in applications if can_see_application(user, a)} == seen
        assert set(applications_seen_by(user)) == seen
        assert {a for a in applications if can_see_content(user, a)} == content
        assert set(applications_with_content_for(user)) == content
