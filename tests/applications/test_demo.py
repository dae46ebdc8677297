import io

import pytest

from accounts import demo as accounts_demo
from applications import demo
from applications.enums import ApplicationStatus, MemberStatus
from applications.models import Application, ApplicationQuery
from applications.selectors import application_use_condition_matches

pytestmark = pytest.mark.django_db


def _load(module) -> str:
    out = io.StringIO()
    module.load(out)
    return out.getvalue()


def test_demo_applications_skip_gracefully_without_deposits():
    _load(accounts_demo)
    assert "skipped" in _load(demo)
    assert not Application.objects.exists()


def test_demo_applications_cover_each_state_with_co_applicants_and_are_idempotent():
    from deposits import demo as deposits_demo

    _load(accounts_demo)
    _load(deposits_demo)
    _load(demo)
    first = sorted(Application.objects.values_list("reference", "status"))
    assert "0 created" in _load(demo)
    assert sorted(Application.objects.values_list("reference", "status")) == first
    mine = Application.objects.filter(lead__email="researcher@example.org")
    assert {a.status for a in mine} >= {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.QUERIED,
        ApplicationStatus.WITHDRAWN,
    }
    shared = mine.get(members__email="researcher2@example.org")
    assert shared.members.get(email="researcher2@example.org").status == MemberStatus.ACCEPTED
    assert shared.status == ApplicationStatus.SUBMITTED
    query = ApplicationQuery.objects.get()
    assert query.raised_by.email == "chair@example.org"
    assert query.application.status == ApplicationStatus.QUERIED
    warned = Application.objects.get(lead__email="researcher2@example.org")
    assert warned.status == ApplicationStatus.DRAFT
    assert application_use_condition_matches(application=warned)
