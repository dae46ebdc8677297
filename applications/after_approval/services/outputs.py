"""The outputs an approved project produced: recorded, corrected and removed by its team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import DomainError, domain_error_from
from core.services import audit_record
from core.text import one_line_checked
from deposits.models import Deposit

from ...enums import ApplicationsAuditAction, OutputKind
from ...models import Application, ApplicationOutput
from ...services import application_lock
from ..dois import doi_normalise
from ._common import ensure_outputs_recordable, ensure_team


def _output_checked(
    app: Application,
    actor,
    *,
    kind: str,
    title: str,
    published_on: date | None,
    doi: str,
    url: str,
    citation: str,
    deposits: Sequence[Deposit],
    output: ApplicationOutput | None = None,
) -> tuple[dict, list[Deposit]]:
    """What recording and correcting an output check: that ``actor`` is on the team and the project
    still records outputs (NotPermitted, InvalidTransition), then the output's values. Returns the
    checked values and deposits, or raises a DomainError naming the field that is wrong."""
    ensure_team(app, actor)
    ensure_outputs_recordable(app)
    if kind not in OutputKind.values:
        raise DomainError("Choose what kind of output this is.", field="kind")
    title = one_line_checked(title, field="title")
    if not title:
        raise DomainError("Give the output's title.", field="title")
    if published_on is None:
        raise DomainError("Give the output's date (of publication or presentation).", field="published_on")
    try:
        doi = doi_normalise(doi)
    except ValidationError as exc:
        raise domain_error_from(exc, field="doi") from exc
    if doi:
        same = ApplicationOutput.objects.filter(application=app, doi=doi)
        if output is not None:
            same = same.exclude(pk=output.pk)
        if same.exists():
            raise DomainError(
                f"An output with the DOI {doi} is already recorded for this project.", field="doi"
            )
    requested = {d.pk for d in app.deposits.all()}
    chosen = list(dict.fromkeys(deposits))
    foreign = [d for d in chosen if d.pk not in requested]
    if foreign:
        raise DomainError(
            "Choose among the deposits this project was approved to use: "
            + ", ".join(d.reference for d in foreign)
            + " is not one of them.",
            field="deposits",
        )
    values = {
        "kind": kind,
        "title": title,
        "published_on": published_on,
        "doi": doi,
        "url": (url or "").strip(),
        "citation": (citation or "").strip(),
    }
    return values, chosen


def _full_clean(output: ApplicationOutput) -> None:
    try:
        output.full_clean(
            exclude=["application", "recorded_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise domain_error_from(exc) from exc


def _output_audit_data(output: ApplicationOutput, deposits: Sequence[Deposit]) -> dict:
    return {
        "output": output.pk,
        "kind": output.kind,
        "title": output.title,
        "doi": output.doi,
        "deposits": sorted(d.reference for d in deposits),
    }


@transaction.atomic
def application_output_record(
    *,
    application: Application,
    actor,
    kind: str,
    title: str,
    published_on: date | None,
    doi: str = "",
    url: str = "",
    citation: str = "",
    deposits: Sequence[Deposit] = (),
) -> ApplicationOutput:
    """A team member records something the approved project produced. Public once recorded: the
    register entry and each deposit page it used show it."""
    app = application_lock(application=application)
    values, chosen = _output_checked(
        app,
        actor,
        kind=kind,
        title=title,
        published_on=published_on,
        doi=doi,
        url=url,
        citation=citation,
        deposits=deposits,
    )
    output = ApplicationOutput(application=app, recorded_by=actor, **values)
    _full_clean(output)
    output.save()
    output.deposits.set(chosen)
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.OUTPUT_RECORDED,
        target=app,
        data=_output_audit_data(output, chosen),
    )
    return output


def _lock_output(output: ApplicationOutput) -> tuple[Application, ApplicationOutput]:
    app = Application.objects.select_for_update().get(pk=output.application_id)
    return app, ApplicationOutput.objects.select_for_update().get(pk=output.pk)


@transaction.atomic
def application_output_update(
    *,
    output: ApplicationOutput,
    actor,
    kind: str,
    title: str,
    published_on: date | None,
    doi: str = "",
    url: str = "",
    citation: str = "",
    deposits: Sequence[Deposit] = (),
) -> ApplicationOutput:
    """A team member corrects one of the project's outputs; the audit event names what changed."""
    app, locked = _lock_output(output)
    values, chosen = _output_checked(
        app,
        actor,
        kind=kind,
        title=title,
        published_on=published_on,
        doi=doi,
        url=url,
        citation=citation,
        deposits=deposits,
        output=locked,
    )
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, values[name])
    _full_clean(locked)
    before = set(locked.deposits.values_list("pk", flat=True))
    if {d.pk for d in chosen} != before:
        locked.deposits.set(chosen)
        changed.append("deposits")
    if not changed:
        return locked
    locked.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.OUTPUT_CHANGED,
        target=app,
        data={**_output_audit_data(locked, chosen), "changed": changed},
    )
    return locked


@transaction.atomic
def application_output_remove(*, output: ApplicationOutput, actor) -> None:
    """A team member removes one of the project's outputs (recorded by mistake): it leaves the
    register and the deposit pages; the audit event keeps what it was."""
    app, locked = _lock_output(output)
    ensure_team(app, actor)
    ensure_outputs_recordable(app)
    data = _output_audit_data(locked, list(locked.deposits.all()))
    locked.delete()
    audit_record(actor=actor, action=ApplicationsAuditAction.OUTPUT_REMOVED, target=app, data=data)
