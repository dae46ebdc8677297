"""What a version freezes (every answer as plain JSON) and what changed between two versions."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import ApplicationSection, MemberStatus
from ..models import Application, ApplicationMember, ApplicationVersion
from ..sections import QUESTIONS, QUESTIONS_BY_KEY
from .team import application_team


def _member_line(member: ApplicationMember) -> str:
    user = member.user
    name = user.get_full_name() if user else member.email
    profile = getattr(user, "researcher_profile", None) if user else None
    parts = [f"{name} <{member.email}>", member.get_role_display()]
    if profile is not None:
        if profile.organisation:
            sector = f" ({profile.get_sector_display()})" if profile.sector else ""
            parts.append(f"{profile.organisation}{sector}")
        if profile.is_accredited:
            expiry = profile.accreditation_expires_on.isoformat() if profile.accreditation_expires_on else "?"
            parts.append(
                f"ONS accredited researcher ({profile.get_accreditation_status_display().lower()}) "
                f"{profile.accreditation_number}, expires {expiry}"
            )
        else:
            parts.append("not an ONS accredited researcher")
        if profile.orcid:
            parts.append(f"ORCID {profile.orcid}")
    if member.status != MemberStatus.ACCEPTED:
        parts.append(member.get_status_display().lower())
    return " · ".join(parts)


def application_answers(*, application: Application) -> dict:
    """Every answer as plain JSON, keyed as ``sections.QUESTIONS``: what a version freezes."""
    answers: dict = {}
    for question in QUESTIONS:
        key = question.key
        if key == "team":
            value = [_member_line(m) for m in application_team(application=application)]
        elif key == "attachments":
            value = [
                f"{a.description} ({a.original_name})" for a in application.attachments.order_by("created_at")
            ]
        elif key == "deposits":
            value = [f"{d.reference} {d.title}" for d in application.deposits.order_by("reference")]
        elif key == "sensitive_uses":
            value = [u.name for u in application.sensitive_uses.order_by("name")]
        elif question.kind == "choice":
            value = getattr(application, f"get_{key}_display")() if getattr(application, key) else ""
        elif question.kind == "date":
            day = getattr(application, key)
            value = day.isoformat() if day else ""
        else:
            value = getattr(application, key)
        answers[key] = value
    return answers


@dataclass(frozen=True)
class AnswerChange:
    key: str
    label: str
    section: str  # the section's label
    old: object
    new: object


def application_version_diff(old, new) -> list[AnswerChange]:
    """The answers that differ between two versions (ApplicationVersion objects or answer dicts),
    in the order of the form. Unchanged answers are left out."""
    old_answers = old.answers if isinstance(old, ApplicationVersion) else (old or {})
    new_answers = new.answers if isinstance(new, ApplicationVersion) else (new or {})
    changes: list[AnswerChange] = []
    known = [q.key for q in QUESTIONS]
    extra = sorted((set(old_answers) | set(new_answers)) - set(known))
    for key in [*known, *extra]:
        before, after = old_answers.get(key), new_answers.get(key)
        if _normalise(before) == _normalise(after):
            continue
        question = QUESTIONS_BY_KEY.get(key)
        changes.append(
            AnswerChange(
                key=key,
                label=question.label if question else key.replace("_", " ").capitalize(),
                section=ApplicationSection(question.section).label if question else "",
                old=before,
                new=after,
            )
        )
    return changes


def _normalise(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    return value


def application_previous_version(*, version: ApplicationVersion) -> ApplicationVersion | None:
    return (
        ApplicationVersion.objects.filter(application_id=version.application_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
