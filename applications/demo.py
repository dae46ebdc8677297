"""Demo applications by the demo researchers: a draft, a submitted one with a co-applicant, a
queried one and a withdrawn one for researcher@example.org, and a draft by the commercial
researcher that the form warns about. Idempotent: each is looked up by its lead and title."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from deposits.enums import DepositStatus, LawfulBasisArt6, LawfulBasisArt9
from deposits.models import Deposit, SensitiveUse

from .enums import AccessRoute, ApplicationSection, ApplicationStatus, MemberStatus
from .models import Application, ApplicationMember, ApplicationQuery
from .services import (
    application_create,
    application_lock,
    application_member_accept,
    application_member_invite,
    application_submit,
    application_transition,
    application_update,
    application_withdraw,
)

MOVING_ON = "Moving On: outcomes for care leavers at 18, 21 and 25"
FOSTER = "Foster placement stability study"
KINSHIP = "Kinship care and school outcomes in Wales"
PATHWAYS = "Pathways through child protection: a ten-year administrative cohort"


def _answers(title: str, *, summary: str, questions: str, variables: str) -> dict:
    today = timezone.localdate()
    return {
        ApplicationSection.PEOPLE: {
            "interests_funders": "Funded by the Nuffield Foundation, which has no say in the analysis "
            "or publication.",
            "interests_commercial": "None.",
            "interests_care_links": "None.",
        },
        ApplicationSection.PROJECT: {
            "title": title,
            "lay_summary": summary,
            "technical_summary": "Retrospective cohort analysis with multilevel survival models; sensitivity "
            "analyses for missing data by multiple imputation.",
            "research_questions": questions,
            "public_benefit": "Evidence for local authorities and the Department for Education on what "
            "keeps children's lives stable.",
            "benefit_to_children": "Findings go directly to virtual school heads and children in care "
            "councils, to reduce unplanned moves for children in care and care leavers.",
            "care_experienced_involvement": "A paid advisory group of six care-experienced young adults "
            "shaped the questions and will co-write the summary of findings.",
            "funding": "Nuffield Foundation grant WEL/FR-000024513, 2026 to 2028.",
            "funders_sponsors": "Nuffield Foundation, Cardiff University (sponsor)",
            "ethics_approval": "University research ethics committee, reference 2026/117, "
            "approved 3 March 2026.",
            "access_start": today + timedelta(days=30),
            "access_end": today + timedelta(days=395),
        },
        ApplicationSection.DATA: {
            "variables_needed": variables,
            "linkage": "None beyond the linkage already in the deposit.",
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
        },
        ApplicationSection.SETTINGS: {"access_route": AccessRoute.SAFE_ROOM},
        ApplicationSection.OUTPUTS: {
            "outputs_plan": "Two open-access journal articles, a briefing for local authorities and a "
            "plain-English summary written with the advisory group.",
            "disclosure_control": "All outputs checked by ONS SRS output checkers; no cells under 10; "
            "rounding of counts to the nearest 5.",
        },
        ApplicationSection.DECLARATIONS: {
            "terms_accepted": True,
            "consent_to_publish": True,
            "consent_to_publish_names": True,
        },
    }


def _fill(application: Application, actor: User, answers: dict, deposits: list, uses=()) -> Application:
    for section, data in answers.items():
        data = dict(data)
        if section == ApplicationSection.DATA:
            data.update(deposits=deposits, sensitive_uses=list(uses))
        application = application_update(application=application, actor=actor, section=section, data=data)
    return application


def _add_member(application: Application, lead: User, user: User, role: str) -> None:
    member = ApplicationMember.objects.filter(application=application, email__iexact=user.email).first()
    if member is None:
        member = application_member_invite(application=application, actor=lead, email=user.email, role=role)
    if member.status == MemberStatus.INVITED:
        application_member_accept(membership=member, user=user)


def _start(lead: User, title: str) -> tuple[Application, bool]:
    existing = Application.objects.filter(lead=lead, title=title).first()
    if existing is not None:
        return existing, False
    return application_create(lead=lead, title=title), True


def load(stdout) -> None:
    researcher = User.objects.filter(email="researcher@example.org").first()
    researcher2 = User.objects.filter(email="researcher2@example.org").first()
    chair = User.objects.filter(email="chair@example.org").first()
    deposits = {d.title: d for d in Deposit.objects.filter(status=DepositStatus.AVAILABLE)}
    needed = [FOSTER, KINSHIP, PATHWAYS, MOVING_ON]
    if not (researcher and researcher2 and chair):
        stdout.write("applications: skipped (the demo accounts are missing; load accounts.demo first)")
        return
    if not all(title in deposits for title in needed):
        stdout.write(
            "applications: skipped (the demo deposits are not available yet; load deposits.demo first)"
        )
        return
    created = 0

    # 1. A draft, half written.
    title = "Does placement stability protect school attendance?"
    application, new = _start(researcher, title)
    if new:
        created += 1
        application_update(
            application=application,
            actor=researcher,
            section=ApplicationSection.PROJECT,
            data={
                "lay_summary": "Children in foster care who move home often also move school. We want to "
                "find out whether a stable placement helps children keep going to school.",
                "research_questions": "1. Are placement moves followed by falls in attendance?\n"
                "2. Does the effect differ for children placed out of their home area?",
            },
        )
        application_update(
            application=application,
            actor=researcher,
            section=ApplicationSection.DATA,
            data={"deposits": [deposits[FOSTER]]},
        )

    # 2. Submitted, with researcher2 as co-applicant.
    title = "Kinship care and school outcomes: a comparison with foster care"
    application, new = _start(researcher, title)
    if new:
        created += 1
        _add_member(application, researcher, researcher2, "researcher")
        _fill(
            application,
            researcher,
            _answers(
                title,
                summary="Many children who cannot live with their parents live with grandparents or other "
                "relatives. We will compare how these children do at school with children in foster care.",
                questions="How do attainment and attendance differ between kinship and foster care?",
                variables="Care type, placement dates, key stage results and attendance: the minimum to "
                "compare outcomes by care type.",
            ),
            [deposits[KINSHIP]],
        )
        application_submit(application=application, actor=researcher)

    # 3. Submitted, then queried by the chair.
    title = "Child protection pathways and later care entry"
    application, new = _start(researcher, title)
    if new:
        created += 1
        _fill(
            application,
            researcher,
            _answers(
                title,
                summary="We will look at which children on child protection plans later come into care, to "
                "help social workers offer the right support earlier.",
                questions="Which pathways through child protection precede care entry?",
                variables="Plan start and end dates, category of abuse, age band, later care entry.",
            ),
            [deposits[PATHWAYS]],
        )
        application_submit(application=application, actor=researcher)
        with transaction.atomic():
            locked = application_lock(application=application)
            ApplicationQuery.objects.create(
                application=locked,
                version_number=locked.version_number,
                questions="Please explain why you need the category of abuse, and how you will avoid "
                "identifying local authorities in your outputs.",
                raised_by=chair,
            )
            application_transition(application=locked, to=ApplicationStatus.QUERIED, actor=chair)

    # 4. Submitted, then withdrawn by the lead.
    title = "Care leavers' housing at 21: a pilot"
    application, new = _start(researcher, title)
    if new:
        created += 1
        _fill(
            application,
            researcher,
            _answers(
                title,
                summary="A small pilot on where care leavers live at 21 and whether they feel safe there.",
                questions="What kinds of housing do care leavers live in at 21?",
                variables="Housing type at waves 2 and 3, region, age band.",
            ),
            [deposits[MOVING_ON]],
        )
        application_submit(application=application, actor=researcher)
        application_withdraw(
            application=application, actor=researcher, reason="The pilot is folded into a larger study."
        )

    # 5. A draft by the commercial researcher: the form warns that it breaks Moving On's conditions.
    title = "Predicting placement breakdown for commissioning"
    application, new = _start(researcher2, title)
    if new:
        created += 1
        commercial = SensitiveUse.objects.filter(code="commercial").first()
        _fill(
            application,
            researcher2,
            _answers(
                title,
                summary="A model to help commissioners predict which placements may break down.",
                questions="Can placement breakdown be predicted from care histories?",
                variables="Placement histories and outcomes.",
            ),
            [deposits[MOVING_ON]],
            uses=[commercial] if commercial else [],
        )

    total = Application.objects.filter(lead__in=[researcher, researcher2]).count()
    stdout.write(f"applications: {created} created, {total} by the demo researchers")
