import io
from datetime import date

import factory
from django.core.files.base import ContentFile
from pypdf import PdfWriter

from deposits.enums import (
    AccessLevel,
    DepositStatus,
    DocumentKind,
    DpiaOutcome,
    Geography,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Population,
)
from deposits.models import Deposit, DepositDocument, SensitiveUse, SrsDataset
from tests.factories.accounts import StaffFactory


def _blank_pdf() -> bytes:
    """A one-page PDF that pypdf reads, with nothing in it that acts (core.files refuses the rest)."""
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


#: A small, well-formed PDF for uploads.
PDF_BYTES = _blank_pdf()


class SensitiveUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SensitiveUse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"use-{n}")
    name = factory.Sequence(lambda n: f"Sensitive use {n}")
    description = "A use participants were not told about."


class DepositFactory(factory.django.DjangoModelFactory):
    """A complete deposit record (ready for approval once it has documents), as a draft.
    Built directly: tests of the services call the services."""

    class Meta:
        model = Deposit
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"DEP-2020-{n:04d}")
    title = factory.Sequence(lambda n: f"Longitudinal study of care leavers, wave {n}")
    description = "Outcomes at 18, 21 and 25 for young people leaving care in England."
    originating_project = "Moving On: a cohort study of care leavers"
    principal_investigator = "Prof Jane Doe"
    institution = "University of Leeds"
    funder = "Nuffield Foundation"
    collection_start = date(2018, 1, 1)
    collection_end = date(2022, 12, 31)
    geography = Geography.ENGLAND
    population = Population.CARE_LEAVERS
    age_band = "16 to 25"
    dpia_reference = factory.Sequence(lambda n: f"DPIA-{n:03d}")
    dpia_outcome = DpiaOutcome.RISKS_MITIGATED
    dpia_review_date = date(2027, 6, 30)
    ethics_reference = "LEEDS-ESSL-2017-042"
    lawful_basis_art6 = LawfulBasisArt6.PUBLIC_TASK
    lawful_basis_art9 = LawfulBasisArt9.RESEARCH
    deposit_agreement_date = date(2023, 3, 1)
    access_level = AccessLevel.SAFE_ROOM
    data_owner_name = "Archive data manager"
    data_owner_email = "data-owner@example.org"
    permitted_purposes = "Research in the public interest on outcomes for care leavers."
    status = DepositStatus.DRAFT
    created_by = factory.SubFactory(StaffFactory)
    last_edited_by = factory.SelfAttribute("created_by")

    @factory.post_generation
    def datasets(self, create, extracted, **kwargs):
        if not create:
            return
        for dataset_id in extracted if extracted is not None else [f"SRS-{self.reference}"]:
            SrsDataset.objects.create(deposit=self, dataset_id=dataset_id)

    @factory.post_generation
    def excluded_uses(self, create, extracted, **kwargs):
        if create and extracted:
            self.excluded_uses.set(extracted)


class AvailableDepositFactory(DepositFactory):
    status = DepositStatus.AVAILABLE


class DepositDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepositDocument

    deposit = factory.SubFactory(DepositFactory)
    kind = DocumentKind.PRIVACY_NOTICE
    title = "Privacy notice for participants"
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="notice.pdf"))
    url = ""
    version = "1.0"
    document_date = date(2017, 9, 1)
    is_internal = False
    uploaded_by = factory.SelfAttribute("deposit.created_by")


def governance_documents(deposit: Deposit) -> None:
    """The privacy notice (public) and DPIA (internal) an approval needs."""
    DepositDocumentFactory(deposit=deposit, kind=DocumentKind.PRIVACY_NOTICE, is_internal=False)
    DepositDocumentFactory(
        deposit=deposit, kind=DocumentKind.DPIA, title="Data protection impact assessment", is_internal=True
    )
