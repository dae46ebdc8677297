"""Demo data for life after approval: two more projects approved through the panel's services and
what their teams did since. One, approved with access that began almost a year ago, has recorded
two outputs (a publication with a DOI and a talk) on the public register and the deposit's page,
and its first annual progress report is due in three weeks. The other sent its first progress
report, closed early at the lead's request, and is late with its closing report (its dates moved
back as if the closure had been over three months ago), so staff see it on the late reports page.
A third, led by Dr Lena Fischer, is suspended: her ONS accreditation lapsed four days ago and the
hourly re-screen suspended the grant (ONS told ``access.suspended``); staff see why on its page and
cannot lift the suspension until the renewal is recorded on her profile.
Idempotent: the projects are looked up by lead and title."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import ResearcherProfile, User
from applications.after_approval.services import (
    application_close_early,
    application_output_record,
    application_report_submit,
    application_reports_schedule,
    closing_report_for,
    reports_process,
)
from applications.demo import _answers, _fill, _start
from applications.enums import ApplicationSection, OutputKind, ReportKind
from applications.grant_screening import grant_rescreen
from applications.grant_selectors import grant_in_force
from applications.models import ApplicationClosure, ApplicationReport
from applications.services import application_submit
from deposits.enums import DepositStatus
from deposits.models import Deposit
from panel.demo import CHAIR, MEMBERS, OK, A, _review, _users
from panel.enums import DecisionOutcome
from panel.services import decision_record

MOVING_ON = "Moving On: outcomes for care leavers at 18, 21 and 25"
KINSHIP = "Kinship care and school outcomes in Wales"
PUBLISHING = "Leaving care and further education: who completes college?"
CLOSED = "Kinship carers' wellbeing through the pandemic"
SUSPENDED = "Foster carers' training and placement endings"
FOSTER = "Foster placement stability study"

#: The publication's DOI (10.5555 is the prefix Crossref keeps for examples).
DEMO_DOI = "10.5555/aap-demo.2026.014"


def _approved(lead, chair, staff, members, *, title, deposit, summary, start, end):
    """A project submitted with the access period given and approved by the chair; None if it exists."""
    application, new = _start(lead, title)
    if not new:
        return None
    answers = _answers(
        title, summary=summary, questions=f"{title}?", variables="The minimum variables needed."
    )
    answers[ApplicationSection.PROJECT].update(access_start=start, access_end=end)
    _fill(application, lead, answers, [deposit])
    application = application_submit(application=application, actor=lead)
    _review(application, staff, [*members, chair], [(A, OK)] * 5)
    decision_record(
        application=application,
        chair=chair,
        outcome=DecisionOutcome.APPROVED,
        rationale="Every member approved; the questions are clear and the data asked for is the minimum.",
        public_rationale="Approved: clear benefit to young people leaving care.",
    )
    application.refresh_from_db()
    return application


def _publishing(lead, chair, staff, members, deposit, today) -> bool:
    application = _approved(
        lead,
        chair,
        staff,
        members,
        title=PUBLISHING,
        deposit=deposit,
        summary="Care leavers start college as often as their classmates but finish less often. We look at "
        "who completes and what support helps.",
        start=today - timedelta(days=365 - 21),
        end=today + timedelta(days=380),
    )
    if application is None:
        return False
    application_output_record(
        application=application,
        actor=lead,
        kind=OutputKind.PUBLICATION,
        title="Who completes college? Further education outcomes of care leavers in England",
        published_on=today - timedelta(days=40),
        doi=f"https://doi.org/{DEMO_DOI}",
        citation="Haddad A, Okafor S (2026). Who completes college? Further education outcomes of care "
        "leavers in England. Child & Family Social Work 31(2).",
        deposits=[deposit],
    )
    application_output_record(
        application=application,
        actor=lead,
        kind=OutputKind.PRESENTATION,
        title="Staying on at college: findings for virtual school heads",
        published_on=today - timedelta(days=12),
        url="https://example.org/virtual-school-heads-2026",
        citation="Talk at the National Association of Virtual School Heads conference, 2026.",
        deposits=[deposit],
    )
    application_reports_schedule(application=application, today=today)  # year 1: due in three weeks
    return True


def _closed_late(lead, chair, staff, members, deposit, today) -> bool:
    application = _approved(
        lead,
        chair,
        staff,
        members,
        title=CLOSED,
        deposit=deposit,
        summary="Kinship carers looked after children through the pandemic with little support. We look "
        "at how their wellbeing changed and what helped.",
        start=today - timedelta(days=480),
        end=today + timedelta(days=20),
    )
    if application is None:
        return False
    application_reports_schedule(application=application, today=today)
    first = ApplicationReport.objects.get(application=application, kind=ReportKind.PROGRESS, period=1)
    application_report_submit(
        report=first,
        actor=lead,
        summary="The survey waves are linked and cleaned; the first analyses are under way.",
        problems="A delay of two months while ONS checked an output.",
        changes_needed="None.",
    )
    application_close_early(
        application=application,
        actor=lead,
        reason="The funder ended the grant early; the analysis is complete.",
    )
    # As if the project had closed 102 days ago: its closing report is now 12 days late.
    report = closing_report_for(application)
    ApplicationReport.objects.filter(pk=report.pk).update(due_on=today - timedelta(days=12))
    ApplicationClosure.objects.filter(application=application).update(
        closed_at=timezone.now() - timedelta(days=102)
    )
    return True


def _suspended(lead, chair, staff, members, deposit, today) -> bool:
    application = _approved(
        lead,
        chair,
        staff,
        members,
        title=SUSPENDED,
        deposit=deposit,
        summary="Foster carers who finish more training may keep placements going longer. We look at "
        "which training, and for whom.",
        start=today - timedelta(days=200),
        end=today + timedelta(days=300),
    )
    if application is None:
        return False
    # Her accreditation lapsed four days ago, not renewed: the hourly re-screen suspends the grant.
    ResearcherProfile.objects.filter(user=lead).update(accreditation_expires_on=today - timedelta(days=4))
    grant_rescreen(grant_id=grant_in_force(application=application).pk, cause="sweep", today=today)
    return True


def load(stdout) -> None:
    staff = User.objects.filter(email="staff@example.org").first()
    lead = User.objects.filter(email="researcher@example.org").first()
    lapsed_lead = User.objects.filter(email="researcher3@example.org").first()
    chair = User.objects.filter(email=CHAIR).first()
    members = _users(MEMBERS)
    deposits = {d.title: d for d in Deposit.objects.filter(status=DepositStatus.AVAILABLE)}
    if not (staff and lead and lapsed_lead and chair and all(members)) or not {
        MOVING_ON,
        KINSHIP,
        FOSTER,
    } <= set(deposits):
        stdout.write("after approval: skipped (load the other demos first)")
        return
    today = timezone.localdate()
    made = [
        _publishing(lead, chair, staff, members, deposits[MOVING_ON], today),
        _closed_late(lead, chair, staff, members, deposits[KINSHIP], today),
        _suspended(lapsed_lead, chair, staff, members, deposits[FOSTER], today),
    ]
    done = reports_process(today=today)
    stdout.write(
        f"after approval: {sum(made)} projects added (outputs on the register, a progress report due in "
        f"three weeks, a late closing report, a grant suspended for a lapsed accreditation), "
        f"{len(done['reminded'])} report reminders sent"
    )
