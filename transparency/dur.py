"""The public register in the UK Health Data Research Alliance's data-use-register (DUR) format:
the 31 columns of the HDR UK Gateway's upload template ("Data Uses Template"), in its order, with
the header text its importer checks (HDRUK/gateway-api, app/Imports/ImportDurFile.php). One row per
project on the public register; the JSON register carries the same values under ``dur``.

Only what the register already publishes, or what the team consented to publish, fills a column:
the technical summary, the linkage plan and the ethics committee stay with the panel, so their
columns stay empty. The importer splits names, funders and datasets on commas."""

from dataclasses import dataclass

from accounts.enums import OrganisationSector
from deposits.enums import DeidentificationLevel

from .selectors import RegisterEntry

#: How researchers reach the data: always inside the ONS Secure Research Service, a trusted
#: research environment. A constant, not a question.
DUR_ACCESS_TYPE = "TRE"

#: What the SRS does for every project, whatever the deposit.
SRS_PRIVACY = (
    "Accessed only inside the ONS Secure Research Service; outputs are checked for disclosure risk "
    "before they leave it."
)

#: When the lead's organisation is not recorded (the column is required).
ORGANISATION_NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class DurColumn:
    header: str  # the template's header, without the importer's "*" for a required column
    key: str  # the key in the JSON register's ``dur`` object
    required: bool = False


DUR_COLUMNS: tuple[DurColumn, ...] = (
    DurColumn("Project ID", "project_id"),
    DurColumn("Organisation name", "organisation_name", required=True),
    DurColumn("Organisation ID", "organisation_id"),
    DurColumn("Organisation sector", "organisation_sector"),
    DurColumn("Applicant name(s)", "applicant_names"),
    DurColumn("Applicant ID", "applicant_id"),
    DurColumn("Funders/ Sponsors", "funders_and_sponsors"),
    DurColumn("DEA accredited researcher?", "accredited_researcher_status"),
    DurColumn("Sub-licence arrangements (if any)?", "sublicence_arrangements"),
    DurColumn("Project title", "project_title", required=True),
    DurColumn("Lay summary", "lay_summary", required=True),
    DurColumn("Public benefit statement", "public_benefit_statement", required=True),
    DurColumn("Request category type", "request_category_type"),
    DurColumn("Technical summary", "technical_summary"),
    DurColumn("Other approval committees", "other_approval_committees"),
    DurColumn("Project start date", "project_start_date"),
    DurColumn("Project end date", "project_end_date"),
    DurColumn("Latest approval date", "latest_approval_date", required=True),
    DurColumn("Dataset(s) name", "dataset_names", required=True),
    DurColumn("Data sensitivity level", "data_sensitivity_level"),
    DurColumn("Legal basis for provision of data under Article 6", "legal_basis_for_data_article6"),
    DurColumn("Lawful conditions for provision of data under Article 9", "legal_basis_for_data_article9"),
    DurColumn("Common Law Duty of Confidentiality", "duty_of_confidentiality"),
    DurColumn("National data opt-out applied?", "national_data_optout"),
    DurColumn("Request frequency", "request_frequency"),
    DurColumn("For linked datasets, specify how the linkage will take place", "dataset_linkage_description"),
    DurColumn("Description of the confidential data being used", "confidential_data_description"),
    DurColumn("Release/Access date", "access_date"),
    DurColumn("Access type", "access_type", required=True),
    DurColumn("How has data been processed to enhance privacy?", "privacy_enhancements"),
    DurColumn("Link to research outputs", "research_outputs"),
)

DUR_HEADERS = [column.header for column in DUR_COLUMNS]
DUR_REQUIRED_KEYS = [column.key for column in DUR_COLUMNS if column.required]

#: The portal's organisation sectors in the template's vocabulary (the gateway's config/sectors.php
#: files each under one of its categories).
DUR_SECTORS = {
    OrganisationSector.UNIVERSITY: "Academic Institute",
    OrganisationSector.CHARITY: "Independent Sector Organisation",
    OrganisationSector.LOCAL_AUTHORITY: "Local Authority",
    OrganisationSector.CENTRAL_GOVERNMENT: "Government Agency (Other)",
    OrganisationSector.NHS: "CQC Registered Health or/and Social Care provider",
    OrganisationSector.INDEPENDENT_RESEARCH: "Independent Sector Organisation",
    OrganisationSector.COMMERCIAL: "Commercial",
    OrganisationSector.OTHER: "Other",
}

#: A deposit's de-identification in the standard's sensitivity levels, least identifying first.
DUR_SENSITIVITY = {
    DeidentificationLevel.ANONYMISED: "Anonymous",
    DeidentificationLevel.DEIDENTIFIED: "De-Personalised",
    DeidentificationLevel.PSEUDONYMISED: "De-Personalised",
}
_SENSITIVITY_ORDER = ["Anonymous", "De-Personalised", "Personally Identifiable"]


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _sensitivity(entry: RegisterEntry) -> str:
    """The most identifying level among the deposits the project uses."""
    levels = [DUR_SENSITIVITY[d.deidentification_level] for d in entry.deposits if d.deidentification_level]
    return max(levels, key=_SENSITIVITY_ORDER.index) if levels else ""


def _privacy(entry: RegisterEntry) -> str:
    parts = [f"{d.title}: {d.deidentification_label}" for d in entry.deposits if d.deidentification_level]
    return "; ".join([*parts, SRS_PRIVACY])


def _outputs(entry: RegisterEntry) -> str:
    """The links of the outputs the team recorded (the DOI's, else the output's own), in the
    register's order; an output without either is on the register but has no link to give."""
    links = [output.doi_url or output.url for output in entry.outputs]
    return ", ".join(link for link in links if link)


def _accredited(entry: RegisterEntry) -> str:
    if entry.team_accredited is None:
        return ""
    return "Yes" if entry.team_accredited else "No"


def dur_record(entry: RegisterEntry) -> dict[str, str]:
    """One project as the data-use register has it: every key of ``DUR_COLUMNS``, each a string
    (empty where the portal holds nothing it may publish)."""
    values = {
        "project_id": entry.reference,
        "organisation_name": entry.lead_organisation or ORGANISATION_NOT_RECORDED,
        "organisation_sector": DUR_SECTORS.get(entry.sector_code, ""),
        "applicant_names": ", ".join(name for name in entry.team_names if name),
        "funders_and_sponsors": entry.funders_sponsors,
        "accredited_researcher_status": _accredited(entry),
        "project_title": entry.title,
        "lay_summary": entry.lay_summary,
        "public_benefit_statement": entry.public_benefit,
        "project_start_date": _iso(entry.access_start),
        "project_end_date": _iso(entry.access_end),
        "latest_approval_date": _iso(entry.decision_date),
        "dataset_names": ", ".join(d.title for d in entry.deposits),
        "data_sensitivity_level": _sensitivity(entry),
        "legal_basis_for_data_article6": entry.lawful_basis_art6,
        "legal_basis_for_data_article9": entry.lawful_basis_art9,
        "access_date": _iso(entry.access_start),
        "access_type": DUR_ACCESS_TYPE,
        "privacy_enhancements": _privacy(entry),
        "research_outputs": _outputs(entry),
    }
    return {column.key: values.get(column.key, "") for column in DUR_COLUMNS}


def dur_row(entry: RegisterEntry) -> list[str]:
    """``dur_record`` as one CSV row, in the template's column order."""
    record = dur_record(entry)
    return [record[column.key] for column in DUR_COLUMNS]
