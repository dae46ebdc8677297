"""The deposit record's fields, in one list: the sections the staff form shows (create shows them
all, edit one) and, from the same list, the fields the services let staff set."""

#: The record's sections: (key, heading, field names). Create shows them all; edit shows one.
SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "identity",
        "Identity",
        [
            "title",
            "description",
            "originating_project",
            "principal_investigator",
            "institution",
            "funder",
            "collection_start",
            "collection_end",
            "population",
            "age_band",
            "geography",
            "geography_detail",
        ],
    ),
    (
        "governance",
        "Governance",
        [
            "dpia_reference",
            "dpia_outcome",
            "dpia_review_date",
            "ethics_reference",
            "lawful_basis_art6",
            "lawful_basis_art9",
            "deposit_agreement_date",
        ],
    ),
    (
        "srs",
        "SRS linkage",
        ["srs_dataset_ids", "access_level", "data_owner_name", "data_owner_email", "data_owner_is_internal"],
    ),
    (
        "deidentification",
        "De-identification",
        ["deidentification_method", "deidentification_level", "data_dictionary_url"],
    ),
    ("use_conditions", "Use conditions", ["permitted_purposes", "excluded_uses", "excluded_sectors"]),
    ("lifecycle", "Lifecycle", ["review_date"]),
]
SECTION_TITLES = {key: title for key, title, _ in SECTIONS}

#: Fields the form shows that are not columns of the deposit: the services set them apart
#: (``excluded_uses`` is a relation, ``srs_dataset_ids`` the SRS dataset rows).
RELATED_FIELDS = ("srs_dataset_ids", "excluded_uses")
#: Deposit columns staff edit through the portal's forms (the rest are set by services).
EDITABLE_FIELDS = tuple(name for _, _, names in SECTIONS for name in names if name not in RELATED_FIELDS)
