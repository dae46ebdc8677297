"""The demo shows the terms of access: version 1 accepted by every demo team, version 2 published
since and accepted by all but one live team, whose members staff see on "Terms not accepted"."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications import terms_demo
from applications.enums import LIVE, TERMS_REQUIRED
from applications.models import Application, TermsAcceptance, TermsOfAccess
from applications.selectors import terms_in_force, terms_not_accepted_queryset, terms_outstanding

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_versions_and_one_live_team_that_has_not_accepted_the_second(client_for):
    call_command("demo_data", stdout=io.StringIO())
    first, second = TermsOfAccess.objects.order_by("number")
    assert terms_in_force() == second
    teams = Application.objects.filter(status__in=TERMS_REQUIRED)
    assert teams.count() >= 5
    for application in teams:
        assert terms_outstanding(application=application, terms=first) == []
    late = [a for a in teams if terms_outstanding(application=a, terms=second)]
    assert len(late) == 1
    assert late[0].status in LIVE
    members = list(terms_not_accepted_queryset(terms=second))
    assert {m.application for m in members} == {late[0]}
    staff = client_for(late[0].lead.__class__.objects.get(email="staff@example.org"))
    page = staff.get(reverse("terms:staff_not_accepted")).content.decode()
    assert late[0].reference in page
    assert late[0].lead.get_full_name() in page

    acceptances = TermsAcceptance.objects.count()
    out = io.StringIO()
    terms_demo.load(out)
    assert "0 versions published" in out.getvalue()
    assert TermsAcceptance.objects.count() == acceptances
