import pytest
from django.db import transaction
from django.template.loader import render_to_string

from applications.enums import ApplicationStatus
from applications.models import Application, ApplicationQuery
from applications.selectors import application_version_diff
from applications.services import (
    application_query_answer,
    application_resubmit,
    application_submit,
    application_transition,
    application_update,
)
from tests.factories.accounts import ChairFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import AvailableDepositFactory

pytestmark = pytest.mark.django_db


def _query_and_answer(application, chair):
    query = ApplicationQuery.objects.create(
        application=application, version_number=application.version_number, questions="Q?", raised_by=chair
    )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        application_transition(application=locked, to=ApplicationStatus.QUERIED, actor=chair)
    application_query_answer(query=query, actor=application.lead, answer="A.")


def test_after_a_query_and_resubmission_the_diff_shows_exactly_the_changed_answers(researcher):
    chair = ChairFactory()
    first_deposit, second_deposit = AvailableDepositFactory(), AvailableDepositFactory()
    application = complete_application(ApplicationFactory(lead=researcher), deposits=[first_deposit])
    application_submit(application=application, actor=researcher)
    _query_and_answer(application, chair)
    application_update(
        application=application,
        actor=researcher,
        section="project",
        data={"lay_summary": "A clearer summary.", "funding": application.funding},  # funding unchanged
    )
    application_update(
        application=application,
        actor=researcher,
        section="data",
        data={"deposits": [first_deposit, second_deposit], "linkage": "None"},
    )
    application_update(
        application=application, actor=researcher, section="declarations", data={"consent_to_publish": False}
    )
    application_resubmit(application=application, actor=researcher)
    old, new = application.versions.order_by("number")
    changes = application_version_diff(old, new)
    assert [c.key for c in changes] == ["lay_summary", "deposits", "consent_to_publish"]
    by_key = {c.key: c for c in changes}
    assert by_key["lay_summary"].new == "A clearer summary."
    assert by_key["lay_summary"].section == "Safe project"
    assert by_key["deposits"].old == [f"{first_deposit.reference} {first_deposit.title}"]
    assert len(by_key["deposits"].new) == 2
    assert (by_key["consent_to_publish"].old, by_key["consent_to_publish"].new) == (True, False)
    assert application_version_diff(new, new) == []


def test_the_diff_accepts_answer_dicts_and_treats_missing_as_empty():
    changes = application_version_diff({"title": "A", "funding": ""}, {"title": "A ", "linkage": "None"})
    assert [c.key for c in changes] == ["linkage"]


def test_the_partials_render_a_version_and_its_diff(researcher):
    application = complete_application(ApplicationFactory(lead=researcher), lay_summary="<b>bold</b> claim")
    application_submit(application=application, actor=researcher)
    version = application.versions.get()
    html = render_to_string("applications/_answers.html", {"answers": version.answers})
    assert "Safe people" in html
    assert "Declarations" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html  # escaped
    assert 'data-answer="terms_accepted">Yes' in html
    changed = dict(version.answers, funding="New funder")
    diff_html = render_to_string(
        "applications/_diff.html",
        {"diff": application_version_diff(version.answers, changed), "old_number": 1, "new_number": 2},
    )
    assert diff_html.count("data-changed=") == 1
    assert "New funder" in diff_html
    assert "version 1 to version 2" in diff_html
    empty = render_to_string("applications/_diff.html", {"diff": []})
    assert "No answer changed" in empty


@pytest.mark.parametrize(
    ("status", "annotations", "expected"),
    [
        ("draft", {"has_pending_invites": False}, "Complete and submit the application"),
        ("draft", {"has_pending_invites": True}, "Wait for co-applicants to accept, then submit"),
        ("submitted", {}, "Wait for staff to screen it"),
        ("queried", {"has_open_query": True}, "Answer the panel's questions"),
        ("queried", {"has_open_query": False}, "Resubmit the application"),
        ("under_review", {}, "Wait for the panel's decision"),
        ("approved", {}, "Read the decision letter; ONS will arrange access"),
        ("approved", {"grant_suspended": True}, "Access is suspended: open the application to see why"),
        ("rejected", {}, "Read the decision letter"),
        ("withdrawn", {}, "Nothing to do"),
    ],
)
def test_the_next_step_follows_the_status(status, annotations, expected):
    from applications.selectors import application_next_step

    application = Application(status=status)
    for name, value in annotations.items():
        setattr(application, name, value)
    assert application_next_step(application) == expected


def test_my_applications_says_when_access_is_suspended(client_for):
    """The list's annotation finds the suspended grant (before, an approved project whose grant was
    suspended still read "ONS will arrange access")."""
    from django.urls import reverse

    from applications.enums import GrantStatus
    from applications.models import Grant
    from tests.factories.grants import live_grant

    grant = live_grant()
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.SUSPENDED)
    page = client_for(grant.application.lead).get(reverse("applications:my_list")).content.decode()
    assert "Access is suspended: open the application to see why" in page
    assert "ONS will arrange access" not in page
