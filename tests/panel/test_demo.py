import io

import pytest
from django.core.management import call_command

from applications.enums import ApplicationStatus
from panel.models import Decision, MemberInterest, PanelMembership, Vote

pytestmark = pytest.mark.django_db


def test_demo_data_makes_the_panel_and_its_applications_and_is_idempotent():
    call_command("demo_data", stdout=io.StringIO())
    counts = (PanelMembership.objects.count(), Vote.objects.count(), Decision.objects.count())
    current = PanelMembership.objects.filter(ended_at__isnull=True)
    assert sorted(current.values_list("user__email", flat=True)) == [
        "chair@example.org",
        "member1@example.org",
        "member2@example.org",
        "member3@example.org",
        "member4@example.org",
    ]
    assert current.get(user__email="chair@example.org").is_chair
    assert MemberInterest.objects.exists()
    decisions = Decision.objects.filter(
        application__title__in=[
            "Early help before child protection: what works",
            "Foster carer retention and recruitment advertising",
            "Care leavers' spending patterns for product design",
        ]
    )
    assert {(d.application.status, d.is_automatic) for d in decisions} == {
        (ApplicationStatus.APPROVED, False),
        (ApplicationStatus.REJECTED, False),
        (ApplicationStatus.REJECTED, True),
    }
    under_review = Vote.objects.filter(application__status=ApplicationStatus.UNDER_REVIEW)
    assert under_review.values("application").distinct().count() >= 2
    call_command("demo_data", stdout=io.StringIO())
    assert (PanelMembership.objects.count(), Vote.objects.count(), Decision.objects.count()) == counts
