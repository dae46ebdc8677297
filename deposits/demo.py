"""Demo deposits from children's social-care research, each registered by one staff member and
approved by a second (staff2@example.org, one of the demo accounts), plus one waiting for approval."""

from datetime import date

from django.core.files.base import ContentFile

from accounts.enums import OrganisationSector
from accounts.models import User

from . import services
from .enums import (
    AccessLevel,
    DeidentificationLevel,
    DepositStatus,
    DocumentKind,
    DpiaOutcome,
    Geography,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Population,
)
from .models import Deposit, SensitiveUse

SECOND_STAFF_EMAIL = "staff2@example.org"  # one of accounts.demo.DEMO_ACCOUNTS


def simple_pdf(*lines: str) -> bytes:
    """A one-page PDF with a few lines of text (enough for a demo document)."""
    safe = [line.replace("\\", "").replace("(", "[").replace(")", "]") for line in lines]
    text = " ".join(f"({line}) Tj T*" for line in safe)
    stream = f"BT /F1 12 Tf 14 TL 72 760 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


DEPOSITS = [
    {
        "fields": {
            "title": "Moving On: outcomes for care leavers at 18, 21 and 25",
            "description": (
                "A longitudinal cohort study following 1,200 young people leaving care in England through "
                "three waves of interviews, linked to education, employment and housing records."
            ),
            "originating_project": "Moving On cohort study (2016 to 2023)",
            "principal_investigator": "Prof Nadia Hussain",
            "institution": "University of Leeds",
            "funder": "Nuffield Foundation",
            "collection_start": date(2016, 9, 1),
            "collection_end": date(2023, 3, 31),
            "geography": Geography.ENGLAND,
            "geography_detail": "18 local authorities in the North of England and the Midlands",
            "population": Population.CARE_LEAVERS,
            "age_band": "16 to 25 years",
            "dpia_reference": "DPIA-2023-014",
            "dpia_outcome": DpiaOutcome.RISKS_MITIGATED,
            "dpia_review_date": date(2027, 3, 31),
            "ethics_reference": "LEEDS-ESSL-2016-118",
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
            "deposit_agreement_date": date(2023, 6, 12),
            "access_level": AccessLevel.SAFE_ROOM,
            "data_owner_name": "Moving On data manager",
            "data_owner_email": "moving-on-data@example.org",
            "data_owner_is_internal": True,
            "deidentification_method": (
                "Names, addresses and dates of birth removed; local authority replaced by region; "
                "ages banded; free text removed."
            ),
            "deidentification_level": DeidentificationLevel.PSEUDONYMISED,
            "data_dictionary_url": "https://example.org/moving-on/data-dictionary",
            "permitted_purposes": (
                "Non-commercial research in the public interest on the transition from care to adulthood, "
                "and on services that support care leavers."
            ),
            "excluded_sectors": [OrganisationSector.COMMERCIAL],
            "review_date": date(2030, 6, 30),
        },
        "excluded_uses": ["commercial", "recontact", "identifiable_linkage"],
        "srs": ["SRS-MOVON-W1", "SRS-MOVON-W2", "SRS-MOVON-W3"],
        "approve": True,
    },
    {
        "fields": {
            "title": "Foster placement stability study",
            "description": (
                "Administrative and survey data on 3,400 foster placements, exploring what helps placements "
                "last and what leads to unplanned endings."
            ),
            "originating_project": "Stable Homes: placement stability in foster care",
            "principal_investigator": "Dr Owen Pritchard",
            "institution": "Cardiff University",
            "funder": "Economic and Social Research Council",
            "collection_start": date(2019, 1, 1),
            "collection_end": date(2022, 12, 31),
            "geography": Geography.ENGLAND_AND_WALES,
            "geography_detail": "9 local authorities and 4 independent fostering agencies",
            "population": Population.CHILDREN_LOOKED_AFTER,
            "age_band": "0 to 17 years",
            "dpia_reference": "DPIA-2023-021",
            "dpia_outcome": DpiaOutcome.RISKS_MITIGATED,
            "dpia_review_date": date(2027, 9, 30),
            "ethics_reference": "CU-SREC-2018-77",
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
            "deposit_agreement_date": date(2023, 10, 2),
            "access_level": AccessLevel.ASSURED_REMOTE,
            "data_owner_name": "Stable Homes study team",
            "data_owner_email": "stable-homes@example.org",
            "data_owner_is_internal": False,
            "deidentification_method": (
                "Carer and child identifiers replaced with study keys; agency names removed."
            ),
            "deidentification_level": DeidentificationLevel.PSEUDONYMISED,
            "permitted_purposes": "Research on placement stability, matching and support for foster carers.",
            "excluded_sectors": [],
            "review_date": date(2031, 3, 31),
        },
        "excluded_uses": ["identify_placements", "recontact"],
        "srs": ["SRS-STABLE-2023"],
        "approve": True,
    },
    {
        "fields": {
            "title": "Kinship care and school outcomes in Wales",
            "description": (
                "Survey of 640 kinship carers linked to pupil attainment and attendance, comparing children "
                "in kinship care with their peers."
            ),
            "originating_project": "Growing Up in Kinship Care",
            "principal_investigator": "Dr Eleri Morgan",
            "institution": "Swansea University",
            "funder": "Welsh Government",
            "collection_start": date(2020, 4, 1),
            "collection_end": date(2023, 7, 31),
            "geography": Geography.WALES,
            "population": Population.KINSHIP_CARE,
            "age_band": "4 to 16 years",
            "dpia_reference": "DPIA-2024-003",
            "dpia_outcome": DpiaOutcome.NO_HIGH_RISK,
            "dpia_review_date": date(2028, 1, 31),
            "ethics_reference": "SU-MED-2019-12",
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
            "deposit_agreement_date": date(2024, 2, 14),
            "access_level": AccessLevel.ASSURED_REMOTE,
            "deidentification_method": "Linked through SAIL-style split-file linkage; no direct identifiers.",
            "deidentification_level": DeidentificationLevel.DEIDENTIFIED,
            "permitted_purposes": "Research on education and wellbeing of children in kinship care.",
            "excluded_sectors": [],
        },
        "excluded_uses": ["identifiable_linkage", "immigration_enforcement"],
        "srs": ["SRS-KINSHIP-WALES"],
        "approve": True,
    },
    {
        "fields": {
            "title": "Pathways through child protection: a ten-year administrative cohort",
            "description": (
                "De-identified children in need and child protection records for a birth cohort, following "
                "referrals, plans and re-referrals over ten years."
            ),
            "originating_project": "Pathways: children's journeys through child protection",
            "principal_investigator": "Prof Ruth Adebayo",
            "institution": "University of East Anglia",
            "funder": "National Institute for Health and Care Research",
            "collection_start": date(2012, 4, 1),
            "collection_end": date(2022, 3, 31),
            "geography": Geography.ENGLAND,
            "population": Population.CHILD_PROTECTION,
            "age_band": "0 to 17 years",
            "dpia_reference": "DPIA-2024-009",
            "dpia_outcome": DpiaOutcome.DPO_APPROVED,
            "dpia_review_date": date(2027, 12, 31),
            "ethics_reference": "UEA-HSC-2021-033",
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
            "deposit_agreement_date": date(2024, 5, 20),
            "access_level": AccessLevel.SAFE_ROOM,
            "deidentification_level": DeidentificationLevel.PSEUDONYMISED,
            "permitted_purposes": "Research to improve child protection practice and early help.",
            "excluded_sectors": [],
        },
        "excluded_uses": ["criminal_justice", "identify_placements"],
        "srs": ["SRS-PATHWAYS-CIN", "SRS-PATHWAYS-CPP"],
        "approve": True,
    },
    {
        "fields": {
            "title": "Voices from residential care: young people's views of their homes",
            "description": "Interviews and surveys with young people living in children's homes.",
            "originating_project": "Voices from Residential Care",
            "principal_investigator": "Dr Sam Okoro",
            "institution": "University of Bristol",
            "geography": Geography.ENGLAND,
            "population": Population.CHILDREN_LOOKED_AFTER,
            "age_band": "12 to 17 years",
            "dpia_reference": "DPIA-2025-002",
            "dpia_outcome": DpiaOutcome.RISKS_MITIGATED,
            "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
            "lawful_basis_art9": LawfulBasisArt9.RESEARCH,
            "access_level": AccessLevel.SAFE_ROOM,
            "permitted_purposes": "Research on the quality of care in children's homes.",
            "excluded_sectors": [OrganisationSector.COMMERCIAL],
        },
        "excluded_uses": ["identify_placements", "recontact", "commercial"],
        "srs": ["SRS-VOICES-RES"],
        "approve": False,  # waits for a second staff member: staff@example.org can approve it
    },
]


def load(stdout) -> None:
    staff = User.objects.get(email="staff@example.org")
    staff2 = User.objects.get(email=SECOND_STAFF_EMAIL)
    uses = {use.code: use for use in SensitiveUse.objects.all()}
    created = 0
    for spec in DEPOSITS:
        title = spec["fields"]["title"]
        if Deposit.objects.filter(title=title).exists():
            continue
        registrar, approver = (staff, staff2) if spec["approve"] else (staff2, staff)
        deposit = services.deposit_create(
            actor=registrar,
            fields=spec["fields"],
            excluded_uses=[uses[code] for code in spec["excluded_uses"]],
            srs_dataset_ids=spec["srs"],
        )
        services.deposit_document_add(
            actor=registrar,
            deposit=deposit,
            kind=DocumentKind.PRIVACY_NOTICE,
            title="Privacy notice given to participants",
            version="2.1",
            document_date=date(2022, 9, 1),
            is_internal=False,
            file=ContentFile(
                simple_pdf(
                    f"{title}",
                    "How we use your information (privacy notice)",
                    "Your answers are kept safe and used only for research in the public interest.",
                ),
                name="privacy-notice.pdf",
            ),
        )
        services.deposit_document_add(
            actor=registrar,
            deposit=deposit,
            kind=DocumentKind.PARTICIPANT_INFORMATION,
            title="Information sheet for young people",
            version="3.0",
            document_date=date(2022, 9, 1),
            is_internal=False,
            url="https://example.org/research/information-sheet",
        )
        services.deposit_document_add(
            actor=registrar,
            deposit=deposit,
            kind=DocumentKind.DPIA,
            title="Data protection impact assessment",
            version="1.2",
            document_date=date(2023, 1, 15),
            is_internal=True,
            file=ContentFile(
                simple_pdf(f"{title}", f"DPIA {spec['fields']['dpia_reference']}", "Internal."),
                name="dpia.pdf",
            ),
        )
        services.deposit_submit_for_approval(actor=registrar, deposit=deposit)
        if spec["approve"]:
            services.deposit_approve(
                actor=approver,
                deposit=deposit,
                privacy_notice_checked=True,
                dpia_checked=True,
                note="Privacy notice and DPIA read; use conditions match what participants were told.",
            )
        created += 1
    available = Deposit.objects.filter(status=DepositStatus.AVAILABLE).count()
    stdout.write(
        f"deposits: {created} created ({available} available in the catalogue); "
        f"second staff account {SECOND_STAFF_EMAIL}"
    )
