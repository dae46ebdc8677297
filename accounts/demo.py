"""Demo accounts, all with the password DEMO_PASSWORD. Panel, chair and staff accounts come with
two-factor sign-in set up on the published secret DEMO_TOTP_SECRET (add it to any authenticator
app, or run ``python manage.py demo_totp <email>``)."""

from datetime import date

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .enums import AccreditationStatus, OrganisationSector, Role
from .models import ResearcherProfile, User
from .two_factor import totp_key_from_base32

#: Base32, as authenticator apps take it. Published in the README: demo use only.
DEMO_TOTP_SECRET = "DEMOPANELSTAFFTOTPSECRETKEY23456"  # noqa: S105 (documented demo secret, only for demo data)
DEMO_TOTP_DEVICE_NAME = "Demo authenticator"

DEMO_PASSWORD = "Demo-Portal-2026!"  # noqa: S105 (documented demo password, only for demo data)

DEMO_ACCOUNTS = [
    ("researcher@example.org", "Dr Amira Okafor", Role.RESEARCHER),
    ("researcher2@example.org", "Dr Tom Whitfield", Role.RESEARCHER),
    # Leads an approved project whose grant is suspended: her accreditation lapsed (life after approval).
    ("researcher3@example.org", "Dr Lena Fischer", Role.RESEARCHER),
    ("member1@example.org", "Prof Helen Marsh", Role.PANEL_MEMBER),
    ("member2@example.org", "Jordan Ellis", Role.PANEL_MEMBER),
    ("member3@example.org", "Dr Priya Raman", Role.PANEL_MEMBER),
    ("member4@example.org", "Sam Clarke", Role.PANEL_MEMBER),
    ("chair@example.org", "Prof Margaret Lowe", Role.PANEL_CHAIR),
    ("staff@example.org", "Chris Bennett", Role.STAFF),
    # The second pair of eyes: approves the deposits staff@example.org registered (deposits' demo).
    ("staff2@example.org", "Rosa Delgado", Role.STAFF),
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
    "researcher3@example.org": {
        "organisation": "University of York",
        "sector": OrganisationSector.UNIVERSITY,
        "job_title": "Research Fellow",
        "orcid": "0000-0003-1415-9269",
        "accreditation_status": AccreditationStatus.FULL,
        "accreditation_number": "ARN-2023-07719",
        # Valid when her project was approved; the after-approval demo moves it into the past.
        "accreditation_expires_on": date(2029, 1, 31),
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
        if user.needs_second_factor:
            TOTPDevice.objects.get_or_create(
                user=user,
                name=DEMO_TOTP_DEVICE_NAME,
                defaults={"key": totp_key_from_base32(DEMO_TOTP_SECRET), "confirmed": True},
            )
    stdout.write(f"accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there")
    stdout.write(
        f"accounts: panel, chair and staff accounts sign in with a code from an authenticator app set up "
        f"with the secret {DEMO_TOTP_SECRET} (or run: python manage.py demo_totp <email>)"
    )
