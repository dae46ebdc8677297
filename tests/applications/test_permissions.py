import itertools

import pytest

from applications.models import Application
from applications.permissions import applications_visible_to, can_view_application
from applications.services import (
    application_member_accept,
    application_member_decline,
    application_member_invite,
    application_member_remove,
)
from tests.factories.accounts import ChairFactory, PanelMemberFactory, ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_the_predicate_and_the_queryset_agree_for_every_user_and_application():
    leads = [ResearcherFactory() for _ in range(3)]
    co_applicant, invited, declined, removed = (ResearcherFactory() for _ in range(4))
    inactive = ResearcherFactory()
    applications = [ApplicationFactory(lead=lead) for lead in leads]
    first, second, _third = applications
    accepted = application_member_invite(
        application=first, actor=leads[0], email=co_applicant.email, role="researcher"
    )
    application_member_accept(membership=accepted, user=co_applicant)
    application_member_invite(application=first, actor=leads[0], email=invited.email, role="researcher")
    declining = application_member_invite(
        application=second, actor=leads[1], email=declined.email, role="researcher"
    )
    application_member_decline(membership=declining, user=declined)
    leaving = application_member_invite(
        application=second, actor=leads[1], email=removed.email, role="supervisor"
    )
    application_member_accept(membership=leaving, user=removed)
    application_member_remove(membership=leaving, actor=leads[1])
    joined = application_member_invite(
        application=second, actor=leads[1], email=inactive.email, role="researcher"
    )
    application_member_accept(membership=joined, user=inactive)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    superuser = StaffFactory(is_superuser=True)
    users = [
        *leads,
        co_applicant,
        invited,
        declined,
        removed,
        inactive,
        PanelMemberFactory(),
        ChairFactory(),
        superuser,
    ]
    for user, application in itertools.product(users, applications):
        in_queryset = applications_visible_to(user).filter(pk=application.pk).exists()
        assert can_view_application(user, application) is in_queryset, (user, application)
        one = Application.objects.filter(pk=application.pk)
        assert applications_visible_to(user, queryset=one).exists() is in_queryset
    # and the expected answers, spelled out
    assert set(applications_visible_to(co_applicant)) == {first}
    assert set(applications_visible_to(leads[1])) == {second}
    for outsider in (invited, declined, removed, inactive, superuser):
        assert not applications_visible_to(outsider).exists()


def test_anonymous_users_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    application = ApplicationFactory()
    assert not can_view_application(AnonymousUser(), application)
    assert not applications_visible_to(AnonymousUser()).exists()
