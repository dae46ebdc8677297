from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.enums import OrganisationSector
from core.models import TimeStampedModel
from core.text import OneLineCharField

from .enums import (
    AccessLevel,
    ApprovalKind,
    DeidentificationLevel,
    DepositStatus,
    DocumentKind,
    DpiaOutcome,
    DuoCode,
    Geography,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Population,
    UseConditionChangeStatus,
)

#: Fields that make up a deposit's use conditions: a change to them on an available deposit waits for
#: a second staff member's approval before it applies.
USE_CONDITION_FIELDS = ("permitted_purposes", "excluded_uses", "excluded_sectors")

#: Kept on the model so services can write one history record per edit (fields and the
#: excluded-uses snapshot together) instead of one per save plus one per many-to-many change.
DEPOSIT_HISTORY = HistoricalRecords(
    m2m_fields=["excluded_uses"],
    excluded_fields=["updated_at"],
    verbose_name="historical deposit",
)


class SensitiveUse(TimeStampedModel):
    """A use that participants were not told about or would not be comfortable with. The list is
    shared: deposits exclude entries from it, applications declare entries from it."""

    code = models.SlugField(max_length=60, unique=True)
    name = OneLineCharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    duo_code = models.CharField(
        "GA4GH DUO code",
        max_length=10,
        choices=DuoCode.choices,
        blank=True,
        help_text="The Data Use Ontology modifier that a deposit excluding this use amounts to (e.g. NCU for "
        "commercial use). Leave it empty when none fits: the condition is then shown as local.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deposit(TimeStampedModel):
    """One research project whose de-identified data is in the archive (the data stays in the SRS)."""

    # Identity
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = OneLineCharField(max_length=250)
    description = models.TextField("short description")
    originating_project = OneLineCharField(max_length=250)
    principal_investigator = OneLineCharField(max_length=200)
    institution = OneLineCharField(max_length=200)
    funder = OneLineCharField(max_length=200, blank=True)
    collection_start = models.DateField("data collection started", null=True, blank=True)
    collection_end = models.DateField("data collection ended", null=True, blank=True)
    geography = models.CharField(max_length=30, choices=Geography.choices, db_index=True)
    geography_detail = OneLineCharField(
        "geography in detail", max_length=250, blank=True, help_text="For example: 12 local authorities."
    )
    population = models.CharField(max_length=40, choices=Population.choices, db_index=True)
    age_band = OneLineCharField(max_length=60, blank=True, help_text="For example: 16 to 25 years.")

    # Governance
    dpia_reference = OneLineCharField("DPIA reference", max_length=80, blank=True)
    dpia_outcome = models.CharField("DPIA outcome", max_length=30, choices=DpiaOutcome.choices, blank=True)
    dpia_review_date = models.DateField("DPIA review date", null=True, blank=True)
    ethics_reference = OneLineCharField("ethics approval reference", max_length=120, blank=True)
    lawful_basis_art6 = models.CharField(
        "lawful basis (UK GDPR Art 6)", max_length=10, choices=LawfulBasisArt6.choices, blank=True
    )
    lawful_basis_art9 = models.CharField(
        "condition for special category data (UK GDPR Art 9)",
        max_length=10,
        choices=LawfulBasisArt9.choices,
        blank=True,
    )
    deposit_agreement_date = models.DateField(null=True, blank=True)

    # SRS linkage (the dataset identifiers are SrsDataset rows)
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices, db_index=True)
    data_owner_name = OneLineCharField("data owner contact", max_length=200, blank=True)
    data_owner_email = models.EmailField("data owner email", blank=True)
    data_owner_is_internal = models.BooleanField(
        "data owner contact is internal",
        default=True,
        help_text="Internal contacts are never shown in the public catalogue.",
    )

    # De-identification
    deidentification_method = models.TextField("de-identification method", blank=True)
    deidentification_level = models.CharField(
        "de-identification level", max_length=20, choices=DeidentificationLevel.choices, blank=True
    )
    data_dictionary_url = models.URLField("variable list / data dictionary link", blank=True)

    # Use conditions: what the panel's automatic check relies on.
    permitted_purposes = models.TextField(blank=True)
    excluded_uses = models.ManyToManyField(SensitiveUse, blank=True, related_name="excluded_by_deposits")
    excluded_sectors = models.JSONField(
        default=list,
        blank=True,
        help_text="Organisation sectors (accounts.enums.OrganisationSector) that may not use it.",
    )

    # Lifecycle
    status = models.CharField(
        max_length=20, choices=DepositStatus.choices, default=DepositStatus.DRAFT, db_index=True
    )
    review_date = models.DateField("retention or review date", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_edited_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    history = DEPOSIT_HISTORY

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(collection_end__isnull=True)
                | Q(collection_start__isnull=True)
                | Q(collection_end__gte=models.F("collection_start")),
                name="deposit_collection_period_in_order",
                violation_error_message="The data collection cannot end before it started.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_available(self) -> bool:
        return self.status == DepositStatus.AVAILABLE

    @property
    def excluded_sector_labels(self) -> list[str]:
        labels = dict(OrganisationSector.choices)
        return [labels.get(code, code) for code in self.excluded_sectors or []]


class SrsDataset(models.Model):
    """An identifier of a dataset in the ONS Secure Research Service. One deposit may have several;
    an identifier belongs to one deposit only."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="srs_datasets")
    dataset_id = models.CharField("SRS dataset identifier", max_length=80, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dataset_id"]

    def __str__(self) -> str:
        return self.dataset_id


def deposit_document_path(instance: "DepositDocument", filename: str) -> str:
    return f"deposits/{instance.deposit.reference}/{instance.kind}-{instance.version or 'v'}.pdf"


class DepositDocument(TimeStampedModel):
    """A governance document: an uploaded PDF (checked by content) or a link. Internal documents are
    never shown outside the staff screens."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    title = OneLineCharField(max_length=250)
    file = models.FileField(upload_to=deposit_document_path, blank=True, max_length=300)
    url = models.URLField("link", blank=True, max_length=500)
    version = OneLineCharField(max_length=30)
    document_date = models.DateField("date of this version")
    is_internal = models.BooleanField(
        "internal only", default=True, help_text="Internal documents never appear in the public catalogue."
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_filename = OneLineCharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-document_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="deposit_document_file_xor_link",
                violation_error_message="Upload a PDF or give a link, not both and not neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} (version {self.version})"

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def download_name(self) -> str:
        return f"{self.deposit.reference}-{self.kind}-{self.version}.pdf"


class DepositStatusChange(models.Model):
    """One status change with the reason staff gave for it."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=DepositStatus.choices)
    to_status = models.CharField(max_length=20, choices=DepositStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.deposit.reference}: {self.from_status} → {self.to_status}"


class DepositUseConditionChange(TimeStampedModel):
    """Proposed new use conditions for an available deposit. They apply only when a second staff
    member approves them."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="use_condition_changes")
    permitted_purposes = models.TextField(blank=True)
    excluded_uses = models.ManyToManyField(SensitiveUse, blank=True, related_name="+")
    excluded_sectors = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=UseConditionChangeStatus.choices,
        default=UseConditionChangeStatus.PENDING,
        db_index=True,
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["deposit"],
                condition=Q(status="pending"),
                name="one_pending_use_condition_change_per_deposit",
            ),
        ]

    def __str__(self) -> str:
        return f"Use conditions change for {self.deposit.reference} ({self.get_status_display()})"

    @property
    def excluded_sector_labels(self) -> list[str]:
        labels = dict(OrganisationSector.choices)
        return [labels.get(code, code) for code in self.excluded_sectors or []]


class DepositApproval(models.Model):
    """The second pair of eyes: who approved what, when, and what they checked."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=20, choices=ApprovalKind.choices)
    use_condition_change = models.OneToOneField(
        DepositUseConditionChange, null=True, blank=True, on_delete=models.PROTECT, related_name="approval"
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True, db_index=True)
    privacy_notice_checked = models.BooleanField(default=False)
    dpia_checked = models.BooleanField(default=False)
    privacy_notice = models.ForeignKey(
        DepositDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpia_document = models.ForeignKey(
        DepositDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpia_reference = OneLineCharField(max_length=80, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(privacy_notice_checked=True) & Q(dpia_checked=True),
                name="deposit_approval_checked_privacy_notice_and_dpia",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.deposit.reference} by {self.approved_by}"
