"""The contract with ONS: what each event's body holds, built here and nowhere else, and the JSON
Schema (draft 2020-12) each body is published under (docs/ons-integration.md, docs/ons-schemas/).

Every body is a Standard Webhooks payload ``{"type", "timestamp", "schema_version", "data"}``. Only
what ONS needs goes in: an approval names each researcher (name, organisation, role, accreditation
number, status and expiry), the project title and the datasets; a rejection, a revocation and the
end of access carry what ONS needs to match its own record (the portal's reference, the team's ONS
project reference where the lead recorded one, each researcher's accreditation number and role, and
for the end of access the datasets). No event carries an email address or a reason written for the
panel: those stay in the portal.

A body is fixed when its event is recorded (``OnsNotification.payload``) and sent as stored on every
attempt; ``SCHEMA_VERSION`` changes when a field is removed or changes meaning (adding an optional
field does not), and the version is in every body.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from applications.grant_selectors import datasets_snapshot
from core.text import one_line_clean

from .enums import OnsEventType

#: The version of every body built now. Bodies recorded before the field existed are version 1
#: (they named researchers with their email addresses in every event); none was sent to ONS.
SCHEMA_VERSION = "2"

#: Each team role (applications.enums.MemberRole) as ONS sees it: the lead, or a co-applicant.
LEAD_ROLE = "lead"


def _iso_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _iso_date(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else value.isoformat()


def _role(member: dict) -> str:
    return "lead" if member.get("role") == LEAD_ROLE else "co_applicant"


def researcher_for_approval(member: dict) -> dict:
    """One researcher of an approval, from the decision's frozen team (``panel.Decision.team``)."""
    return {
        "name": one_line_clean(member.get("name")),
        "organisation": one_line_clean(member.get("organisation")),
        "role": _role(member),
        "team_role": one_line_clean(member.get("role")),
        "accreditation_number": one_line_clean(member.get("accreditation_number")),
        "accreditation_status": one_line_clean(member.get("accreditation_status")) or None,
        "accreditation_expires_on": _iso_date(one_line_clean(member.get("accreditation_expires_on")) or None),
    }


def researcher_for_matching(member: dict) -> dict:
    """One researcher of a rejection, revocation or end of access: enough to find ONS's record."""
    return {
        "role": _role(member),
        "accreditation_number": one_line_clean(member.get("accreditation_number")),
    }


def dataset_entries(deposits) -> list[dict]:
    """The datasets, each deposit with its SRS dataset ids, in reference order (as a grant freezes
    them: ``applications.grant_selectors.datasets_snapshot``). ``deposits`` is an iterable of
    Deposit rows with ``srs_datasets`` prefetched (or not: then one query each)."""
    return datasets_clean(datasets_snapshot(deposits))


def datasets_clean(datasets: list[dict]) -> list[dict]:
    """Frozen dataset entries (a grant's ``datasets``) as ONS gets them: one-line titles."""
    return [
        {
            "reference": entry["reference"],
            "title": one_line_clean(entry["title"]),
            "srs_dataset_ids": sorted(entry["srs_dataset_ids"]),
        }
        for entry in sorted(datasets, key=lambda entry: entry["reference"])
    ]


def payload_build(
    *,
    event_type: str,
    sequence: int,
    occurred_at: datetime,
    application_reference: str,
    ons_project_reference: str,
    project_title: str,
    team: list[dict],
    datasets: list[dict],
    outcome: str,
    conditions: str = "",
    access_start: date | None = None,
    access_end: date | None = None,
    reasons: list[str] | None = None,
    grant_reference: str = "",
    supersedes_grant_reference: str = "",
    previous_access_end: date | None = None,
) -> dict:
    """The body of one event, under the schema of its type (``EVENT_SCHEMAS[event_type]``).
    ``grant_reference`` names the grant the event concerns (G-...: the approval's grant 1, the grant
    an amendment, extension or resumption issued, the grant whose access ends); an amendment,
    extension or resumption also names the grant it supersedes. ``reasons`` say why: of a suspension
    (always), of the archive's own amendment and of a resumption (when given)."""
    data: dict = {
        "sequence": sequence,
        "application_reference": application_reference,
        "ons_project_reference": one_line_clean(ons_project_reference) or None,
        "grant_reference": grant_reference or None,
        "outcome": outcome,
        "occurred_at": _iso_datetime(occurred_at),
    }
    if event_type in (OnsEventType.AMENDED, OnsEventType.EXTENDED, OnsEventType.RESUMED):
        data["supersedes_grant_reference"] = supersedes_grant_reference
    if event_type in (OnsEventType.APPROVED, OnsEventType.AMENDED, OnsEventType.RESUMED):
        data |= {
            "project_title": one_line_clean(project_title),
            "conditions": conditions,
            "access_start": _iso_date(access_start),
            "access_end": _iso_date(access_end),
            "researchers": [researcher_for_approval(member) for member in team],
            "deposits": datasets,
        }
        if event_type != OnsEventType.APPROVED and reasons:
            data["reasons"] = [one_line_clean(reason) for reason in reasons]
    elif event_type == OnsEventType.REJECTED:
        data |= {"researchers": [researcher_for_matching(member) for member in team]}
    elif event_type == OnsEventType.EXTENDED:
        data |= {
            "access_start": _iso_date(access_start),
            "access_end": _iso_date(access_end),
            "previous_access_end": _iso_date(previous_access_end),
            "researchers": [researcher_for_matching(member) for member in team],
            "deposits": datasets,
        }
    elif event_type == OnsEventType.SUSPENDED:
        data |= {
            "access_start": _iso_date(access_start),
            "access_end": _iso_date(access_end),
            "reasons": [one_line_clean(reason) for reason in reasons or []],
            "researchers": [researcher_for_matching(member) for member in team],
            "deposits": datasets,
        }
    else:  # revoked, expired, closed: access ends, for these people and these datasets
        data |= {
            "access_start": _iso_date(access_start),
            "access_end": _iso_date(access_end),
            "researchers": [researcher_for_matching(member) for member in team],
            "deposits": datasets,
        }
    return {
        "type": event_type,
        "timestamp": _iso_datetime(occurred_at),
        "schema_version": SCHEMA_VERSION,
        "data": data,
    }


# --- The published schemas ----------------------------------------------------------------------

_ONE_LINE = {"type": "string", "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"}
_REFERENCE = {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]{0,39}$"}
_DATE = {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
_DATETIME = {"type": "string", "format": "date-time"}
_NULLABLE = lambda schema: {"anyOf": [schema, {"type": "null"}]}  # noqa: E731 (a one-line schema helper)

_ROLE = {
    "enum": ["lead", "co_applicant"],
    "description": "The lead applicant, or a co-applicant the lead invited and who accepted.",
}
_ACCREDITATION_NUMBER = {
    **_ONE_LINE,
    "description": "The researcher's ONS accredited researcher number (empty if none was recorded).",
}

_RESEARCHER_FOR_APPROVAL = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "name",
        "organisation",
        "role",
        "team_role",
        "accreditation_number",
        "accreditation_status",
        "accreditation_expires_on",
    ],
    "properties": {
        "name": {**_ONE_LINE, "description": "As on the researcher's profile when the decision was made."},
        "organisation": _ONE_LINE,
        "role": _ROLE,
        "team_role": {
            **_ONE_LINE,
            "description": "The portal's role: lead, researcher or supervisor.",
        },
        "accreditation_number": _ACCREDITATION_NUMBER,
        "accreditation_status": _NULLABLE(
            {
                "enum": ["full", "provisional", "none"],
                "description": "As recorded on the profile at the decision (null for a decision made "
                "before the portal recorded it).",
            }
        ),
        "accreditation_expires_on": _NULLABLE(_DATE),
    },
}
_RESEARCHER_FOR_MATCHING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["role", "accreditation_number"],
    "properties": {"role": _ROLE, "accreditation_number": _ACCREDITATION_NUMBER},
}
_DATASET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reference", "title", "srs_dataset_ids"],
    "properties": {
        "reference": {**_REFERENCE, "description": "The archive's deposit reference (DEP-...)."},
        "title": _ONE_LINE,
        "srs_dataset_ids": {
            "type": "array",
            "items": _ONE_LINE,
            "description": "The SRS dataset identifiers this deposit is held under.",
        },
    },
}

_COMMON_DATA = {
    "sequence": {
        "type": "integer",
        "minimum": 1,
        "description": "Per application, from 1: when bodies arrive out of order the highest applies.",
    },
    "application_reference": {**_REFERENCE, "description": "The portal's reference (APP-YYYY-NNNN)."},
    "ons_project_reference": _NULLABLE(
        {**_ONE_LINE, "description": "The team's ONS project reference, if the lead recorded one."}
    ),
    "occurred_at": {**_DATETIME, "description": "When the event happened in the portal (UTC)."},
    "grant_reference": _NULLABLE(
        {
            **_REFERENCE,
            "description": "The grant of access the event concerns (APP-YYYY-NNNN-Gn): an approval's "
            "grant 1, the grant an amendment or extension issued, the grant whose access ends; null for "
            "a rejection.",
        }
    ),
}
#: Fields added after a schema version was published: optional in that version's schema (bodies
#: recorded before them lack them), present in every body built now. An event's own ``optional``
#: fields are present only when there is something to say (``reasons`` of an amendment).
_OPTIONAL_DATA = frozenset({"grant_reference"})
_REASONS_OPTIONAL = {
    "type": "array",
    "minItems": 1,
    "items": {**_ONE_LINE, "description": "What the archive changed, or why the suspension was lifted."},
    "description": "Present when the archive issued the grant itself (not an approved change request).",
}
_SUPERSEDES = {
    **_REFERENCE,
    "description": "The grant this one replaces (APP-YYYY-NNNN-Gn): ONS updates that record rather "
    "than adding one.",
}


def _access_ending(outcome: str, access_end: dict) -> dict:
    """The data of an event that ends access (the shape ``payload_build`` gives every event but an
    approval or a rejection): the period, who loses access and to which datasets."""
    return {
        "outcome": {"const": outcome},
        "access_start": _NULLABLE(_DATE),
        "access_end": access_end,
        "researchers": {"type": "array", "items": _RESEARCHER_FOR_MATCHING},
        "deposits": {"type": "array", "items": _DATASET},
    }


def _access_replaced(outcome: str) -> dict:
    """The data of an event that gives a new grant replacing the one before (an amendment, a lifted
    suspension): everything an approval names, the superseded grant, and why (when the archive
    made the change itself)."""
    return {
        "outcome": {"const": outcome},
        "supersedes_grant_reference": _SUPERSEDES,
        "project_title": _ONE_LINE,
        "conditions": {"type": "string", "description": "The conditions in force (may be empty)."},
        "access_start": _NULLABLE(_DATE),
        "access_end": _NULLABLE(_DATE),
        "researchers": {"type": "array", "minItems": 1, "items": _RESEARCHER_FOR_APPROVAL},
        "deposits": {"type": "array", "minItems": 1, "items": _DATASET},
        "reasons": _REASONS_OPTIONAL,
    }


_EVENT_DATA: dict[str, dict] = {
    OnsEventType.APPROVED: {
        "description": "PROVIDE ACCESS: the panel approved the project, with or without conditions.",
        "properties": {
            "outcome": {"enum": ["approved", "approved_with_conditions"]},
            "project_title": _ONE_LINE,
            "conditions": {"type": "string", "description": "The approval's conditions (may be empty)."},
            "access_start": _NULLABLE(_DATE),
            "access_end": _NULLABLE(_DATE),
            "researchers": {"type": "array", "minItems": 1, "items": _RESEARCHER_FOR_APPROVAL},
            "deposits": {"type": "array", "minItems": 1, "items": _DATASET},
        },
    },
    OnsEventType.REJECTED: {
        "description": "DO NOT PROVIDE ACCESS: the panel (or the participants' rule) rejected it.",
        "properties": {
            "outcome": {"const": "rejected"},
            "researchers": {"type": "array", "items": _RESEARCHER_FOR_MATCHING},
        },
    },
    OnsEventType.REVOKED: {
        "description": "REMOVE ACCESS NOW: the archive staff revoked an approved project's access.",
        "properties": _access_ending(
            "revoked", {**_DATE, "description": "The day access ends: the day of the revocation."}
        ),
    },
    OnsEventType.EXPIRED: {
        "description": "REMOVE ACCESS: the approved access period has ended.",
        "properties": _access_ending("expired", _DATE),
    },
    OnsEventType.CLOSED: {
        "description": "REMOVE ACCESS: the lead closed the project before its access period ended.",
        "properties": _access_ending(
            "closed", {**_DATE, "description": "The day access ends: the day the lead closed it."}
        ),
    },
    OnsEventType.SUSPENDED: {
        "description": "SUSPEND ACCESS NOW: a deposit the grant uses was suspended or withdrawn by "
        "the archive, its participants' conditions changed so that the grant now breaks them, or the "
        "lead applicant's ONS accreditation lapsed. Access stays suspended until a later event (an "
        "amendment that removes the cause, a resumption, or the end of access).",
        "properties": {
            "outcome": {"const": "suspended"},
            "access_start": _NULLABLE(_DATE),
            "access_end": _NULLABLE({**_DATE, "description": "The grant's planned last day of access."}),
            "reasons": {
                "type": "array",
                "minItems": 1,
                "items": {**_ONE_LINE, "description": "Which deposit and which condition, in words."},
            },
            "researchers": {"type": "array", "items": _RESEARCHER_FOR_MATCHING},
            "deposits": {"type": "array", "items": _DATASET},
        },
    },
    OnsEventType.AMENDED: {
        "description": "CHANGE ACCESS: an approved change to a live project, or the archive's own "
        "change (a withdrawn deposit taken off the grant, a researcher whose ONS accreditation lapsed "
        "taken off the team, with ``reasons``); provide access to exactly these researchers for exactly "
        "these datasets from now on (the full set, not the difference), replacing the superseded grant.",
        "properties": _access_replaced("amended"),
        "optional": {"reasons"},
    },
    OnsEventType.RESUMED: {
        "description": "PROVIDE ACCESS AGAIN: the archive lifted a suspension once nothing kept it "
        "(the deposits and the participants' conditions allow the grant again, every accreditation is "
        "valid); provide access to exactly these researchers for exactly these datasets from now on, "
        "replacing the suspended grant.",
        "properties": _access_replaced("resumed"),
        "optional": {"reasons"},
    },
    OnsEventType.EXTENDED: {
        "description": "EXTEND ACCESS: the access period of a live project now ends later; the "
        "researchers and datasets are unchanged.",
        "properties": {
            "outcome": {"const": "extended"},
            "supersedes_grant_reference": _SUPERSEDES,
            "access_start": _NULLABLE(_DATE),
            "access_end": {**_DATE, "description": "The new last day of access."},
            "previous_access_end": _NULLABLE(_DATE),
            "researchers": {"type": "array", "items": _RESEARCHER_FOR_MATCHING},
            "deposits": {"type": "array", "items": _DATASET},
        },
    },
}


def _event_schema(event_type: str) -> dict:
    spec = _EVENT_DATA[event_type]
    properties = {**_COMMON_DATA, **spec["properties"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:archive-access-portal:ons:{event_type}:v{SCHEMA_VERSION}",
        "title": f"{event_type} (schema version {SCHEMA_VERSION})",
        "description": spec["description"],
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "timestamp", "schema_version", "data"],
        "properties": {
            "type": {"const": str(event_type)},
            "timestamp": _DATETIME,
            "schema_version": {"const": SCHEMA_VERSION},
            "data": {
                "type": "object",
                "additionalProperties": False,
                "required": sorted(set(properties) - _OPTIONAL_DATA - spec.get("optional", set())),
                "properties": properties,
            },
        },
    }


#: The JSON Schema of each event type's body, by ``type``.
EVENT_SCHEMAS: dict[str, dict] = {str(event): _event_schema(event) for event in OnsEventType}


def schema_file_name(event_type: str) -> str:
    """The schema's file under docs/ons-schemas/."""
    return f"{event_type}.v{SCHEMA_VERSION}.schema.json"
