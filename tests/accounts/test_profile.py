from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResearcherProfile
from accounts.validators import orcid_checksum_ok

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("orcid", "ok"),
    [
        ("0000-0002-1825-0097", True),
        ("0000-0001-5109-3700", True),
        ("0000-0002-1694-233X", True),
        ("0000-0002-1825-0098", False),
        ("0000-0001-5109-3701", False),
    ],
)
def test_orcid_checksum(orcid, ok):
    assert orcid_checksum_ok(orcid) is ok


def test_profile_with_a_bad_orcid_checksum_is_refused_and_not_saved(client_for, researcher):
    profile = researcher.researcher_profile
    response = client_for(researcher).post(
        reverse("accounts:profile"),
        {
            "organisation": "Elsewhere",
            "sector": "charity",
            "job_title": "Analyst",
            "orcid": "0000-0002-1825-0098",
            "accreditation_status": "full",
            "accreditation_number": "ARN-1",
            "accreditation_expires_on": "2030-01-01",
        },
    )
    assert response.status_code == 200
    assert "check digit is wrong" in response.content.decode()
    profile.refresh_from_db()
    assert profile.organisation != "Elsewhere"


def test_profile_saves_and_is_audited(client_for, researcher):
    response = client_for(researcher).post(
        reverse("accounts:profile"),
        {
            "organisation": "Cardiff University",
            "sector": "university",
            "job_title": "Lecturer",
            "orcid": "0000-0002-1694-233X",
            "accreditation_status": "full",
            "accreditation_number": "ARN-77",
            "accreditation_expires_on": "2030-01-01",
        },
    )
    assert response.status_code == 302
    researcher.researcher_profile.refresh_from_db()
    assert researcher.researcher_profile.organisation == "Cardiff University"


@pytest.mark.parametrize("who", ["member", "chair", "staff"])
def test_profile_page_is_for_researchers_only(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(reverse("accounts:profile")).status_code == 403


def test_the_saved_accreditation_expiry_shows_in_its_date_input_and_survives_saving_again(
    client_for, researcher
):
    from tests.security.forms import post_forms

    profile = researcher.researcher_profile
    expiry = timezone.localdate() + timedelta(days=700)
    ResearcherProfile.objects.filter(pk=profile.pk).update(accreditation_expires_on=expiry)
    client, url = client_for(researcher), reverse("accounts:profile")
    page = client.get(url).content.decode()
    assert f'name="accreditation_expires_on" value="{expiry.isoformat()}"' in page
    form = next(f for f in post_forms(page, url) if "accreditation_expires_on" in f.fields)
    assert client.post(url, form.as_sent()).status_code == 302
    profile.refresh_from_db()
    assert profile.accreditation_expires_on == expiry
