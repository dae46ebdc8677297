"""Outputs of an approved project: recorded, corrected and removed by its team only, for a project
that was granted access only (also after access ended), each change audited."""

from datetime import date

import pytest
from django.urls import reverse

from applications.after_approval.services import (
    application_output_remove,
    application_output_update,
)
from applications.enums import ApplicationsAuditAction, ApplicationStatus, MemberRole, MemberStatus
from applications.models import ApplicationMember, ApplicationOutput
from applications.services import _grant_team_permissions
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, record_output
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return decided_application(deposits=[AvailableDepositFactory(), AvailableDepositFactory()])


def _co_applicant(application):
    user = ResearcherFactory()
    ApplicationMember.objects.create(
        application=application,
        user=user,
        email=user.email,
        role=MemberRole.RESEARCHER,
        status=MemberStatus.ACCEPTED,
    )
    _grant_team_permissions(user, application)
    return user


def _audit(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_the_lead_records_an_output_with_a_normalised_doi_and_it_is_audited(project):
    first, _second = project.deposits.order_by("reference")
    output = record_output(project, doi="https://doi.org/10.1234/ABC.5", deposits=[first], kind="publication")
    assert output.doi == "10.1234/abc.5"
    assert output.doi_url == "https://doi.org/10.1234/abc.5"
    assert list(output.deposits.all()) == [first]
    assert output.recorded_by == project.lead
    (event,) = _audit(ApplicationsAuditAction.OUTPUT_RECORDED)
    assert event.actor == project.lead
    assert event.target_id == str(project.pk)
    assert event.data["output"] == output.pk
    assert event.data["doi"] == "10.1234/abc.5"
    assert event.data["deposits"] == [first.reference]


def test_an_accepted_co_applicant_records_edits_and_removes_outputs(project):
    member = _co_applicant(project)
    output = record_output(project, actor=member, title="Kinship care: a report")
    changed = application_output_update(
        output=output,
        actor=member,
        kind="report",
        title="Kinship care: the final report",
        published_on=date(2026, 1, 5),
        doi="doi:10.5555/KIN-1",
        url="https://example.org/report",
        citation="",
        deposits=[],
    )
    assert (changed.kind, changed.title, changed.doi, changed.published_on) == (
        "report",
        "Kinship care: the final report",
        "10.5555/kin-1",
        date(2026, 1, 5),
    )
    assert not changed.deposits.exists()
    (event,) = _audit(ApplicationsAuditAction.OUTPUT_CHANGED)
    assert set(event.data["changed"]) == {
        "kind",
        "title",
        "doi",
        "published_on",
        "url",
        "citation",
        "deposits",
    }
    application_output_remove(output=changed, actor=member)
    assert not ApplicationOutput.objects.exists()
    (removed,) = _audit(ApplicationsAuditAction.OUTPUT_REMOVED)
    assert removed.actor == member
    assert removed.data["title"] == "Kinship care: the final report"


def test_an_edit_that_changes_nothing_is_not_audited(project):
    output = record_output(project, doi="10.1234/same")
    application_output_update(
        output=output,
        actor=project.lead,
        kind=output.kind,
        title=output.title,
        published_on=output.published_on,
        doi="DOI:10.1234/SAME",
        url=output.url,
        citation=output.citation,
        deposits=list(output.deposits.all()),
    )
    assert not _audit(ApplicationsAuditAction.OUTPUT_CHANGED)


@pytest.mark.parametrize("who", ["other_researcher", "staff", "invited", "removed"])
def test_only_the_team_records_edits_or_removes_outputs(project, who):
    output = record_output(project)
    if who == "other_researcher":
        actor = ResearcherFactory()
    elif who == "staff":
        actor = StaffFactory()
    else:
        actor = ResearcherFactory()
        ApplicationMember.objects.create(
            application=project,
            user=actor if who == "removed" else None,
            email=actor.email,
            status=MemberStatus.INVITED if who == "invited" else MemberStatus.REMOVED,
        )
    with pytest.raises(NotPermitted):
        record_output(project, actor=actor, title="Not theirs")
    with pytest.raises(NotPermitted):
        application_output_update(
            output=output, actor=actor, kind="other", title="Hijacked", published_on=date(2026, 1, 1)
        )
    with pytest.raises(NotPermitted):
        application_output_remove(output=output, actor=actor)
    output.refresh_from_db()
    assert output.title == "Placement moves and school attendance"
    assert ApplicationOutput.objects.count() == 1
    assert len(_audit(ApplicationsAuditAction.OUTPUT_RECORDED)) == 1


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
     ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN],
)  # fmt: skip
def test_outputs_are_recorded_only_for_granted_projects(status):
    application = ApplicationFactory(status=status)
    with pytest.raises(InvalidTransition, match="approved projects only"):
        record_output(application)
    assert not ApplicationOutput.objects.exists()


@pytest.mark.parametrize("status", [ApplicationStatus.ACCESS_ENDED, ApplicationStatus.REVOKED])
def test_outputs_are_recorded_after_access_ended_since_publications_come_late(status):
    project = decided_application(status=status, deposits=[AvailableDepositFactory()])
    output = record_output(project)
    assert output.pk


def test_an_output_names_only_deposits_of_its_project(project):
    elsewhere = AvailableDepositFactory()
    with pytest.raises(DomainError) as caught:
        record_output(project, deposits=[elsewhere])
    assert caught.value.field == "deposits"
    assert elsewhere.reference in caught.value.message
    assert not ApplicationOutput.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"doi": "10.12/too-short"}, "doi"),
        ({"doi": "https://example.org/paper"}, "doi"),
        ({"title": ""}, "title"),
        ({"title": "Two\nlines"}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"published_on": None}, "published_on"),
        ({"kind": "novel"}, "kind"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_a_bad_output_is_refused_on_its_field_and_nothing_is_saved(project, fields, field):
    with pytest.raises(DomainError) as caught:
        record_output(project, **fields)
    assert caught.value.field == field
    assert not ApplicationOutput.objects.exists()
    assert not _audit(ApplicationsAuditAction.OUTPUT_RECORDED)


def test_one_doi_is_recorded_once_per_project(project):
    record_output(project, doi="10.1234/once")
    with pytest.raises(DomainError, match="already recorded") as caught:
        record_output(project, doi="https://doi.org/10.1234/ONCE", title="Again")
    assert caught.value.field == "doi"
    other = decided_application(deposits=[AvailableDepositFactory()])
    assert record_output(other, doi="10.1234/once").doi == "10.1234/once"  # another project may cite it


# --- the team's pages ---------------------------------------------------------------------------------


def test_the_form_records_an_output_and_lists_it(client_for, project):
    deposit = project.deposits.order_by("reference").first()
    client = client_for(project.lead)
    page = client.get(reverse("applications:output_add", kwargs={"pk": project.pk}))
    assert page.status_code == 200
    assert deposit.reference in page.content.decode()
    response = client.post(
        reverse("applications:output_add", kwargs={"pk": project.pk}),
        {
            "kind": "publication",
            "title": "Care leavers at college",
            "published_on": "2026-03-01",
            "doi": "doi:10.4321/CL-2026",
            "url": "",
            "citation": "Jones A (2026). Care leavers at college.",
            "deposits": [deposit.pk],
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("applications:outputs", kwargs={"pk": project.pk})
    listing = client.get(response.url).content.decode()
    assert "Care leavers at college" in listing
    assert "10.4321/cl-2026" in listing


def test_the_form_shows_what_is_wrong_with_a_doi(client_for, project):
    response = client_for(project.lead).post(
        reverse("applications:output_add", kwargs={"pk": project.pk}),
        {"kind": "publication", "title": "A paper", "published_on": "2026-03-01", "doi": "10.12/x"},
    )
    assert response.status_code == 200
    assert "not 4 to 9 digits" in response.content.decode()
    assert not ApplicationOutput.objects.exists()


def test_the_overview_links_to_outputs_only_for_a_granted_project(client_for, project):
    client = client_for(project.lead)
    outputs = reverse("applications:outputs", kwargs={"pk": project.pk})
    assert outputs in client.get(reverse("applications:detail", kwargs={"pk": project.pk})).content.decode()
    draft = ApplicationFactory(lead=project.lead)
    page = client.get(reverse("applications:detail", kwargs={"pk": draft.pk})).content.decode()
    assert reverse("applications:outputs", kwargs={"pk": draft.pk}) not in page


def test_another_team_cannot_see_or_change_the_outputs(client_for, project):
    output = record_output(project)
    client = client_for(ResearcherFactory())
    for name, kwargs in (
        ("applications:outputs", {}),
        ("applications:output_edit", {"output_pk": output.pk}),
    ):
        assert client.get(reverse(name, kwargs={"pk": project.pk, **kwargs})).status_code == 404
    remove = reverse("applications:output_remove", kwargs={"pk": project.pk, "output_pk": output.pk})
    assert client.post(remove).status_code == 404
    assert ApplicationOutput.objects.filter(pk=output.pk).exists()


def test_the_remove_button_removes_the_output(client_for, project):
    output = record_output(project)
    client = client_for(project.lead)
    remove = reverse("applications:output_remove", kwargs={"pk": project.pk, "output_pk": output.pk})
    response = client.post(remove)
    assert response.status_code == 302
    assert not ApplicationOutput.objects.exists()
