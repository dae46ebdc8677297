from dataclasses import dataclass

from django.db import models

from accounts.enums import OrganisationSector


class DepositStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    AVAILABLE = "available", "Available"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AccessLevel(models.TextChoices):
    SAFE_ROOM = "safe_room", "SRS safe room only"
    ASSURED_REMOTE = "assured_remote", "Remote, via an assured connection"


class Population(models.TextChoices):
    CHILDREN_LOOKED_AFTER = "children_looked_after", "Children looked after"
    CARE_LEAVERS = "care_leavers", "Care leavers"
    CHILDREN_IN_NEED = "children_in_need", "Children in need"
    CHILD_PROTECTION = "child_protection", "Children on child protection plans"
    ADOPTED_CHILDREN = "adopted_children", "Adopted children"
    KINSHIP_CARE = "kinship_care", "Children in kinship care"
    FOSTER_CARERS = "foster_carers", "Foster carers"
    PRACTITIONERS = "practitioners", "Social-care practitioners"


class Geography(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    ENGLAND_AND_WALES = "england_and_wales", "England and Wales"
    GREAT_BRITAIN = "great_britain", "Great Britain"
    UNITED_KINGDOM = "united_kingdom", "United Kingdom"


class DocumentKind(models.TextChoices):
    PARTICIPANT_INFORMATION = "participant_information", "Participant information"
    CONSENT = "consent", "Consent form"
    PRIVACY_NOTICE = "privacy_notice", "Data protection (privacy) notice"
    DPIA = "dpia", "Data protection impact assessment (DPIA)"
    DEPOSIT_AGREEMENT = "deposit_agreement", "Deposit agreement"
    DATA_DICTIONARY = "data_dictionary", "Variable list / data dictionary"
    OTHER = "other", "Other"


class DpiaOutcome(models.TextChoices):
    NO_HIGH_RISK = "no_high_risk", "No high risk identified"
    RISKS_MITIGATED = "risks_mitigated", "Risks identified and mitigated"
    DPO_APPROVED = "dpo_approved", "Residual risk accepted by the DPO"
    ICO_CONSULTED = "ico_consulted", "Prior consultation with the ICO"


class LawfulBasisArt6(models.TextChoices):
    CONSENT = "6_1_a", "Art 6(1)(a) consent"
    CONTRACT = "6_1_b", "Art 6(1)(b) contract"
    LEGAL_OBLIGATION = "6_1_c", "Art 6(1)(c) legal obligation"
    VITAL_INTERESTS = "6_1_d", "Art 6(1)(d) vital interests"
    PUBLIC_TASK = "6_1_e", "Art 6(1)(e) public task"
    LEGITIMATE_INTERESTS = "6_1_f", "Art 6(1)(f) legitimate interests"


class LawfulBasisArt9(models.TextChoices):
    NOT_APPLICABLE = "none", "No special category data"
    EXPLICIT_CONSENT = "9_2_a", "Art 9(2)(a) explicit consent"
    SOCIAL_CARE = "9_2_h", "Art 9(2)(h) health or social care"
    PUBLIC_HEALTH = "9_2_i", "Art 9(2)(i) public health"
    RESEARCH = "9_2_j", "Art 9(2)(j) archiving, research and statistics"


class DeidentificationLevel(models.TextChoices):
    PSEUDONYMISED = "pseudonymised", "Pseudonymised (de-identified, linkable by the SRS only)"
    DEIDENTIFIED = "deidentified", "De-identified (direct identifiers removed)"
    ANONYMISED = "anonymised", "Anonymised (not reasonably re-identifiable)"


class DuoCode(models.TextChoices):
    """GA4GH Data Use Ontology (DUO) modifiers a use condition can amount to, by their shorthand.
    Ids and labels as the ontology gives them (EBISPOT/DUO, duo.csv); ``DUO_TERMS`` holds both."""

    NCU = "NCU", "NCU: non-commercial use only (DUO:0000046)"
    NPU = "NPU", "NPU: not for profit organisation use only (DUO:0000045)"
    IRB = "IRB", "IRB: ethics approval required (DUO:0000021)"
    PUB = "PUB", "PUB: publication required (DUO:0000019)"
    PS = "PS", "PS: project specific restriction (DUO:0000027)"
    TS = "TS", "TS: time limit on use (DUO:0000025)"
    GS = "GS", "GS: geographical restriction (DUO:0000022)"
    RTN = "RTN", "RTN: return to database or resource (DUO:0000029)"
    COL = "COL", "COL: collaboration required (DUO:0000020)"


@dataclass(frozen=True)
class DuoTerm:
    code: str  # the shorthand, e.g. NCU
    duo_id: str  # e.g. DUO:0000046
    label: str  # the ontology's label, e.g. "non-commercial use only"

    @property
    def iri(self) -> str:
        return "http://purl.obolibrary.org/obo/" + self.duo_id.replace(":", "_")


DUO_TERMS: dict[str, DuoTerm] = {
    term.code: term
    for term in (
        DuoTerm(DuoCode.NCU, "DUO:0000046", "non-commercial use only"),
        DuoTerm(DuoCode.NPU, "DUO:0000045", "not for profit organisation use only"),
        DuoTerm(DuoCode.IRB, "DUO:0000021", "ethics approval required"),
        DuoTerm(DuoCode.PUB, "DUO:0000019", "publication required"),
        DuoTerm(DuoCode.PS, "DUO:0000027", "project specific restriction"),
        DuoTerm(DuoCode.TS, "DUO:0000025", "time limit on use"),
        DuoTerm(DuoCode.GS, "DUO:0000022", "geographical restriction"),
        DuoTerm(DuoCode.RTN, "DUO:0000029", "return to database or resource"),
        DuoTerm(DuoCode.COL, "DUO:0000020", "collaboration required"),
    )
}

#: The excluded sectors (accounts.enums.OrganisationSector) that amount to a DUO modifier: a deposit
#: closed to the commercial sector is for not-for-profit organisations only. Any other excluded
#: sector is a local condition.
SECTOR_DUO_CODES: dict[str, str] = {OrganisationSector.COMMERCIAL: DuoCode.NPU}

#: What every deposit's use comes with, whatever staff set: access is granted to one approved
#: project (panel.Decision) for its approved access period, after which it ends.
ARCHIVE_DUO_CONDITIONS: tuple[tuple[str, str], ...] = (
    (DuoCode.PS, "Access is granted for the approved project only"),
    (DuoCode.TS, "Access ends with the approved access period"),
)


class UseConditionChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second approval"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"


class ApprovalKind(models.TextChoices):
    OPENING = "opening", "Opening the deposit"
    USE_CONDITIONS = "use_conditions", "Change to use conditions"


#: Which status may follow which. Opening (→ available) happens only through the four-eyes approval.
DEPOSIT_TRANSITIONS: dict[str, set[str]] = {
    DepositStatus.DRAFT: {DepositStatus.AWAITING_APPROVAL, DepositStatus.WITHDRAWN},
    DepositStatus.AWAITING_APPROVAL: {DepositStatus.AVAILABLE, DepositStatus.DRAFT, DepositStatus.WITHDRAWN},
    DepositStatus.AVAILABLE: {DepositStatus.SUSPENDED, DepositStatus.WITHDRAWN},
    DepositStatus.SUSPENDED: {DepositStatus.AWAITING_APPROVAL, DepositStatus.WITHDRAWN},
    DepositStatus.WITHDRAWN: set(),
}


class DepositAuditAction:
    CREATED = "deposits.deposit.created"
    UPDATED = "deposits.deposit.updated"
    SUBMITTED = "deposits.deposit.submitted_for_approval"
    APPROVED = "deposits.deposit.approved"
    RETURNED_TO_DRAFT = "deposits.deposit.returned_to_draft"
    SUSPENDED = "deposits.deposit.suspended"
    WITHDRAWN = "deposits.deposit.withdrawn"
    DOCUMENT_ADDED = "deposits.document.added"
    DOCUMENT_REMOVED = "deposits.document.removed"
    USE_CONDITIONS_CHANGE_PROPOSED = "deposits.use_conditions_change.proposed"
    USE_CONDITIONS_CHANGE_APPROVED = "deposits.use_conditions_change.approved"
    USE_CONDITIONS_CHANGE_REJECTED = "deposits.use_conditions_change.rejected"
    SENSITIVE_USE_CREATED = "deposits.sensitive_use.created"
    SENSITIVE_USE_UPDATED = "deposits.sensitive_use.updated"
    EXPORTED = "deposits.register.exported"
