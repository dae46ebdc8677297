"""Demo accounts, all with the password DEMO_PASSWORD."""

from datetime import date

from django.utils import timezone

from .enums import AccreditationStatus, OrganisationSector, Role
from .models import ResearcherProfile, User

DEMO_PASSWORD = "Demo-Portal-2026!"  # noqa: S105 (documented demo password, only for demo data)

DEMO_ACCOUNTS = [
    ("researcher@example.org", "Dr Amira Okafor", Role.RESEARCHER),
    ("researcher2@example.org", "Dr Tom Whitfield", Role.RESEARCHER),
    ("member1@example.org", "Prof Helen Marsh", Role.PANEL_MEMBER),
    ("member2@example.org", "Jordan Ellis", Role.PANEL_MEMBER),
    ("member3@example.org", "Dr Priya Raman", Role.PANEL_MEMBER),
    ("member4@example.org", "Sam Clarke", Role.PANEL_MEMBER),
    ("chair@example.org", "Prof Margaret Lowe", Role.PANEL_CHAIR),
    ("staff@example.org", "Chris Bennett", Role.STAFF),
]

DEMO_PROFILES = {
    "researcher@example.org": {
        "organisation": "University of Leeds",
        "sector": OrganisationSector.UNIVERSITY,
        "job_title": "Senior Research Fellow",
        "orcid": "0000-0002-1825-0097",
        "accreditation_status": AccreditationStatus.FULL,
        "accreditation_number": "ARN-2024-10342",
        "accreditation_expires_on": date(2029, 3, 31),
    },
    "researcher2@example.org": {
        "organisation": "Brightpath Analytics Ltd",
        "sector": OrganisationSector.COMMERCIAL,
        "job_title": "Principal Data Scientist",
        "orcid": "0000-0001-5109-3700",
        "accreditation_status": AccreditationStatus.FULL,
        "accreditation_number": "ARN-2025-20411",
        "accreditation_expires_on": date(2028, 9, 30),
    },
}


def load(stdout) -> None:
    created = 0
    for email, name, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=name,
                role=role,
                is_staff=role == Role.STAFF,
                email_confirmed_at=timezone.now(),
            )
            created += 1
        if email in DEMO_PROFILES:
            ResearcherProfile.objects.get_or_create(user=user, defaults=DEMO_PROFILES[email])
    stdout.write(f"accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there")
