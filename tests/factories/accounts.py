from datetime import timedelta

import factory
from django.utils import timezone

from accounts.enums import AccreditationStatus, OrganisationSector, Role
from accounts.models import ResearcherProfile, User

PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.RESEARCHER
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)


class ResearcherFactory(UserFactory):
    role = Role.RESEARCHER
    profile = factory.RelatedFactory(
        "tests.factories.accounts.ResearcherProfileFactory", factory_related_name="user"
    )


class PanelMemberFactory(UserFactory):
    role = Role.PANEL_MEMBER


class ChairFactory(UserFactory):
    role = Role.PANEL_CHAIR


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True


class ResearcherProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearcherProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    organisation = "University of Bristol"
    sector = OrganisationSector.UNIVERSITY
    job_title = "Research Fellow"
    orcid = "0000-0002-1825-0097"
    accreditation_status = AccreditationStatus.FULL
    accreditation_number = factory.Sequence(lambda n: f"ARN-{n:06d}")
    accreditation_expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3 * 365))
