from django.conf import settings
from django.db import models

from core.models import TimeStampedModel

from .enums import AccessLevel, DepositStatus, Population


class SensitiveUse(TimeStampedModel):
    """A use that participants were not told about or would not be comfortable with. The list is
    shared: deposits exclude entries from it, applications declare entries from it."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deposit(TimeStampedModel):
    """One research project whose de-identified data is in the archive (the data stays in the SRS)."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=250)
    description = models.TextField()
    population = models.CharField(max_length=40, choices=Population.choices, db_index=True)
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=DepositStatus.choices, default=DepositStatus.DRAFT, db_index=True
    )
    # Use conditions: what the panel's automatic check relies on.
    permitted_purposes = models.TextField(blank=True)
    excluded_uses = models.ManyToManyField(SensitiveUse, blank=True, related_name="excluded_by_deposits")
    excluded_sectors = models.JSONField(
        default=list,
        blank=True,
        help_text="Organisation sectors (accounts.enums.OrganisationSector) that may not use it.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_available(self) -> bool:
        return self.status == DepositStatus.AVAILABLE


class SrsDataset(models.Model):
    """An identifier of a dataset in the ONS Secure Research Service. One deposit may have several;
    an identifier belongs to one deposit only."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="srs_datasets")
    dataset_id = models.CharField("SRS dataset identifier", max_length=80, unique=True)

    class Meta:
        ordering = ["dataset_id"]

    def __str__(self) -> str:
        return self.dataset_id
