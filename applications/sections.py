"""The questions of the application form, grouped by the Five Safes. One list serves the form's
progress, the completeness check before submission, the frozen answers of each version, the
read-only view and the diff between versions."""

import unicodedata
from dataclasses import dataclass

import regex

from .enums import ApplicationSection

#: The lay summary's limit, counted in words.
LAY_SUMMARY_MAX_WORDS = 300

#: A word as a reader counts it: a run of letters, digits and combining marks, which may hold an
#: apostrophe or a hyphen ("don't", "well-being"). Anything else separates words, including blanks
#: that look like letters to Unicode (the Hangul fillers) and invisible characters (zero-width
#: space, braille blank), so a long text glued together with them counts every word. One pattern,
#: written so that both the ``regex`` module here and a JavaScript ``RegExp(..., "gu")`` (the live
#: counter in static/js/applications.js, which reads it from the field) understand it.
_WORD_CHAR = r"(?:(?![\u115F\u1160\u3164\uFFA0])[\p{L}\p{N}\p{M}])"
WORD_PATTERN = rf"{_WORD_CHAR}+(?:['\u2019-]{_WORD_CHAR}+)*"
_WORD = regex.compile(WORD_PATTERN)


@dataclass(frozen=True)
class Question:
    key: str  # the key in ApplicationVersion.answers (a model field name, or team / attachments)
    label: str
    section: str
    kind: str = "text"  # text | date | bool | list | choice
    required: bool = True


_S = ApplicationSection

QUESTIONS: tuple[Question, ...] = (
    # 1. Safe people
    Question("team", "Team (roles and accreditation)", _S.PEOPLE, kind="list"),
    Question("interests_funders", "Declared interests: funders", _S.PEOPLE),
    Question("interests_commercial", "Declared interests: commercial interests", _S.PEOPLE),
    Question(
        "interests_care_links", "Declared interests: links to care providers or local authorities", _S.PEOPLE
    ),
    # 2. Safe project
    Question("title", "Title", _S.PROJECT),
    Question("lay_summary", "Lay summary", _S.PROJECT),
    Question("technical_summary", "Technical summary", _S.PROJECT),
    Question("research_questions", "Research questions", _S.PROJECT),
    Question("public_benefit", "Public benefit", _S.PROJECT),
    Question("benefit_to_children", "Benefit to children in social care and care leavers", _S.PROJECT),
    Question("care_experienced_involvement", "Involvement of care-experienced people", _S.PROJECT),
    Question("funding", "Funding", _S.PROJECT),
    Question("funders_sponsors", "Funders and sponsors", _S.PROJECT),
    Question("ethics_approval", "Ethics approval", _S.PROJECT),
    Question("access_start", "Requested access start", _S.PROJECT, kind="date"),
    Question("access_end", "Requested access end", _S.PROJECT, kind="date"),
    Question("attachments", "Attachments", _S.PROJECT, kind="list", required=False),
    # 3. Safe data
    Question("deposits", "Deposits requested", _S.DATA, kind="list"),
    Question("variables_needed", "Variables needed and why", _S.DATA),
    Question("linkage", "Linkage to other data", _S.DATA),
    Question("sensitive_uses", "Sensitive uses the project involves", _S.DATA, kind="list", required=False),
    Question("lawful_basis_art6", "Legal basis under UK GDPR Article 6", _S.DATA, kind="choice"),
    Question(
        "lawful_basis_art9",
        "Condition for special category data under UK GDPR Article 9",
        _S.DATA,
        kind="choice",
    ),
    # 4. Safe settings
    Question("access_route", "Access route", _S.SETTINGS, kind="choice"),
    # 5. Safe outputs
    Question("outputs_plan", "Outputs and publication plan", _S.OUTPUTS),
    Question("disclosure_control", "Statistical disclosure control", _S.OUTPUTS),
    # 6. Declarations
    Question("terms_accepted", "Terms of access accepted", _S.DECLARATIONS, kind="bool"),
    Question(
        "consent_to_publish",
        "Consent to publish the lay summary in the public register if approved",
        _S.DECLARATIONS,
        kind="bool",
        required=False,
    ),
    Question(
        "consent_to_publish_names",
        "The team agrees to be named in the public register if approved",
        _S.DECLARATIONS,
        kind="bool",
        required=False,
    ),
)

QUESTIONS_BY_KEY = {q.key: q for q in QUESTIONS}

#: Model fields each section's form edits (the team, deposits and attachments have their own widgets).
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    _S.PEOPLE: ("interests_funders", "interests_commercial", "interests_care_links"),
    _S.PROJECT: (
        "title",
        "lay_summary",
        "technical_summary",
        "research_questions",
        "public_benefit",
        "benefit_to_children",
        "care_experienced_involvement",
        "funding",
        "funders_sponsors",
        "ethics_approval",
        "access_start",
        "access_end",
    ),
    _S.DATA: (
        "deposits",
        "variables_needed",
        "linkage",
        "sensitive_uses",
        "lawful_basis_art6",
        "lawful_basis_art9",
    ),
    _S.SETTINGS: ("access_route",),
    _S.OUTPUTS: ("outputs_plan", "disclosure_control"),
    _S.DECLARATIONS: ("terms_accepted", "consent_to_publish", "consent_to_publish_names"),
}

#: Every plain (non-relation) field a draft may change.
EDITABLE_SCALAR_FIELDS = tuple(
    name
    for fields in SECTION_FIELDS.values()
    for name in fields
    if name not in {"deposits", "sensitive_uses"}
)


def questions_in(section: str) -> tuple[Question, ...]:
    return tuple(q for q in QUESTIONS if q.section == section)


def is_answered(question: Question, value) -> bool:
    if question.kind == "bool":
        return value is True
    if question.kind == "list":
        return bool(value)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def word_count(text: str) -> int:
    """How many words ``text`` has (``WORD_PATTERN``): the form's counter, the submission check and
    the panel's view all count with this."""
    return len(_WORD.findall(unicodedata.normalize("NFC", text or "")))
