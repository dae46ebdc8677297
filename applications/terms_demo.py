"""Demo terms of access, loaded after every other demo (the teams must exist): version 1, accepted
by every demo team, and version 2 published since, which every team has accepted but one live team,
so staff see its members on "Terms not accepted" and the team sees the banner. Everything goes
through the services. Idempotent: nothing is done once a version exists."""

from accounts.models import User

from .enums import LIVE, TERMS_REQUIRED
from .models import Application, TermsOfAccess
from .selectors import terms_in_force, terms_outstanding
from .services import terms_accept, terms_publish

VERSION_1 = """## 1. Who these terms bind

Every member of a research team granted access to the archive's data: the lead applicant and each
co-applicant, each for themselves.

## 2. Using the data

1. Use the data only for the approved project, and only inside the ONS Secure Research Service.
2. Never try to identify a child, a family, a carer or a worker, nor link the data to anything not
   named in the approved application.
3. Tell the archive at once if you think someone could be identified, or if the data were used in a
   way these terms do not allow.

## 3. Outputs

Submit every output for ONS statistical disclosure control before it leaves the Secure Research
Service, and send the archive a copy of each publication.

## 4. When access ends

Access ends on the date in the decision letter, or earlier if the panel revokes it.
"""

VERSION_2 = VERSION_1.replace(
    "Submit every output for ONS statistical disclosure control before it leaves the Secure Research\n"
    "Service, and send the archive a copy of each publication.",
    "Submit every output for ONS statistical disclosure control before it leaves the Secure Research\n"
    "Service. Send the archive a copy of each publication, with its DOI, and a plain-English summary\n"
    "that children in care councils can read, within three months of publication.",
)


def _accept_for_every_team(terms: TermsOfAccess, *, except_application: Application | None = None) -> int:
    accepted = 0
    for application in Application.objects.filter(status__in=TERMS_REQUIRED).order_by("pk"):
        if application == except_application:
            continue
        for user in terms_outstanding(application=application, terms=terms):
            terms_accept(application=application, user=user, terms=terms)
            accepted += 1
    return accepted


def load(stdout) -> None:
    staff = User.objects.filter(email="staff@example.org").first()
    if staff is None:
        stdout.write("terms of access: skipped (the demo accounts are missing; load accounts.demo first)")
        return
    if TermsOfAccess.objects.exists():
        stdout.write(f"terms of access: 0 versions published, version {terms_in_force().number} in force")
        return
    first = terms_publish(
        actor=staff,
        label="2025.1",
        text=VERSION_1,
        summary_of_changes="",
        acceptance_period_days=30,
        base_number=0,
    )
    accepted = _accept_for_every_team(first)
    second = terms_publish(
        actor=staff,
        label="2026.1",
        text=VERSION_2,
        summary_of_changes="Outputs: a copy of each publication now comes with its DOI and a plain-English "
        "summary for children in care councils, within three months of publication.",
        acceptance_period_days=14,
        base_number=first.number,
    )
    # One live team has not accepted version 2 yet: staff see its members on "Terms not accepted".
    late = Application.objects.filter(status__in=LIVE).order_by("decided_at", "pk").first()
    accepted += _accept_for_every_team(second, except_application=late)
    stdout.write(
        f"terms of access: 2 versions published, {accepted} acceptances"
        + (f"; the team of {late.reference} has not accepted version 2 yet" if late else "")
    )
