"""Completeness and the rules before submission: everything that stops it (``Problem``), in the
order of the form, and how far each section is answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.validators import orcid_checksum_ok
from deposits.enums import DepositStatus

from ..enums import ApplicationSection, MemberStatus
from ..models import Application
from ..sections import LAY_SUMMARY_MAX_WORDS, QUESTIONS, Question, is_answered, word_count
from .accreditation import AccreditationStanding, accreditation_standing
from .answers import application_answers
from .team import application_team
from .terms import terms_in_force, terms_outstanding


@dataclass(frozen=True)
class Problem:
    """Something that stops submission. ``section`` names the form section to fix it in."""

    section: str
    message: str

    @property
    def section_label(self) -> str:
        return ApplicationSection(self.section).label if self.section else ""


def application_missing_answers(*, application: Application, answers: dict | None = None) -> list[Problem]:
    answers = application_answers(application=application) if answers is None else answers
    problems = []
    for question in QUESTIONS:
        if question.required and not is_answered(question, answers.get(question.key)):
            if question.kind == "bool":
                message = f"{question.label}: not yet confirmed."
            else:
                message = f"{question.label}: not answered yet."
            problems.append(Problem(question.section, message))
    return problems


def _team_problems(*, application: Application, today: date) -> list[Problem]:
    problems = []
    end = application.access_end
    for member in application_team(application=application):
        if member.status == MemberStatus.INVITED:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{member.email} has not accepted the invitation to join the team yet "
                    "(or remove the invitation).",
                )
            )
            continue
        if member.status != MemberStatus.ACCEPTED:
            continue
        user = member.user
        name = user.get_full_name() if user else member.email
        profile = getattr(user, "researcher_profile", None) if user else None
        standing = accreditation_standing(profile, today=today, access_end=end)
        if standing == AccreditationStanding.MISSING:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name} is not recorded as an ONS accredited researcher: every team member must be "
                    "(add the accreditation on the profile page).",
                )
            )
            continue
        expiry = profile.accreditation_expires_on
        if standing == AccreditationStanding.EXPIRED:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ONS accreditation has expired"
                    + (f" (on {expiry:%d %B %Y})" if expiry else "")
                    + ": renew it and update the profile before submitting.",
                )
            )
        elif standing == AccreditationStanding.ENDS_TOO_SOON:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ONS accreditation expires on {expiry:%d %B %Y}, before the requested access "
                    f"end ({end:%d %B %Y}): renew it or ask for a shorter access period.",
                )
            )
        if profile.orcid and not orcid_checksum_ok(profile.orcid):
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ORCID iD {profile.orcid} has a wrong check digit: "
                    "correct it on the profile page.",
                )
            )
    return problems


def application_problems(*, application: Application, today: date | None = None) -> list[Problem]:
    """Everything that stops submission, in the order of the form; empty when it may be submitted.
    The same list shows as warnings while the team edits the draft."""
    today = today or timezone.localdate()
    answers = application_answers(application=application)
    problems = application_missing_answers(application=application, answers=answers)
    problems += _team_problems(application=application, today=today)
    problems += _terms_problems(application=application)
    words = word_count(application.lay_summary)
    if words > LAY_SUMMARY_MAX_WORDS:
        problems.append(
            Problem(
                ApplicationSection.PROJECT,
                f"The lay summary has {words} words; the limit is {LAY_SUMMARY_MAX_WORDS}.",
            )
        )
    start, end = application.access_start, application.access_end
    if start and end and end <= start:
        problems.append(
            Problem(ApplicationSection.PROJECT, "The requested access end must be after its start.")
        )
    if end and end < today:
        problems.append(Problem(ApplicationSection.PROJECT, "The requested access end is in the past."))
    for deposit in application.deposits.order_by("reference"):
        if deposit.status != DepositStatus.AVAILABLE:
            problems.append(
                Problem(
                    ApplicationSection.DATA,
                    f"{deposit.reference} ({deposit.title}) is not available for applications "
                    f"({deposit.get_status_display().lower()}): remove it from the request.",
                )
            )
    order = list(ApplicationSection.values)
    return sorted(problems, key=lambda p: order.index(p.section) if p.section in order else len(order))


def _terms_problems(*, application: Application) -> list[Problem]:
    terms = terms_in_force()
    return [
        Problem(
            ApplicationSection.DECLARATIONS,
            f"{user.get_full_name() or user.email} has not accepted the terms of access in force "
            f"(version {terms.number}, {terms.label}): every team member accepts them on the "
            "application's terms of access page.",
        )
        for user in terms_outstanding(application=application, terms=terms)
    ]


@dataclass(frozen=True)
class SectionProgress:
    section: str
    label: str
    answered: int
    required: int
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.answered == self.required

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.answered / self.required)


def application_section_progress(
    *, application: Application, answers: dict | None = None
) -> list[SectionProgress]:
    answers = application_answers(application=application) if answers is None else answers
    progress = []
    for section in ApplicationSection:
        required: list[Question] = [q for q in QUESTIONS if q.section == section and q.required]
        missing = tuple(q.label for q in required if not is_answered(q, answers.get(q.key)))
        progress.append(
            SectionProgress(
                section.value, section.label, len(required) - len(missing), len(required), missing
            )
        )
    return progress
