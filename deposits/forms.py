import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.enums import OrganisationSector
from core.files import validate_pdf_upload
from core.widgets import DateInput

from .enums import DepositStatus
from .models import Deposit, DepositDocument, SensitiveUse
from .sections import SECTIONS

SRS_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")


class DepositForm(forms.ModelForm):
    srs_dataset_ids = forms.CharField(
        label="SRS dataset identifiers",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Each identifier can belong to one deposit only.",
    )
    excluded_uses = forms.ModelMultipleChoiceField(
        label="Uses participants were not told about or would not be comfortable with",
        queryset=SensitiveUse.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Applications that declare any of these are refused automatically.",
    )
    excluded_sectors = forms.MultipleChoiceField(
        label="Organisation sectors that may not use this deposit",
        choices=OrganisationSector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    data_dictionary_url = forms.URLField(
        label="Variable list / data dictionary link", required=False, assume_scheme="https"
    )
    reason = forms.CharField(
        label="Why this change",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the record's history. Needed when changing the use conditions of an open deposit.",
    )

    class Meta:
        model = Deposit
        fields = [name for _, _, names in SECTIONS for name in names if name != "srs_dataset_ids"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "deidentification_method": forms.Textarea(attrs={"rows": 3}),
            "permitted_purposes": forms.Textarea(attrs={"rows": 3}),
            "collection_start": DateInput,
            "collection_end": DateInput,
            "dpia_review_date": DateInput,
            "deposit_agreement_date": DateInput,
            "review_date": DateInput,
        }

    def __init__(self, *args, section: str | None = None, submit_label: str = "Save", **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        instance = self.instance
        selected = instance.excluded_uses.all() if instance.pk else SensitiveUse.objects.none()
        self.fields["excluded_uses"].queryset = SensitiveUse.objects.filter(
            Q(is_active=True) | Q(pk__in=selected.values("pk"))
        ).order_by("name")
        if instance.pk:
            self.initial.setdefault("excluded_uses", list(selected))
            self.initial.setdefault("excluded_sectors", list(instance.excluded_sectors or []))
            self.initial.setdefault(
                "srs_dataset_ids", "\n".join(instance.srs_datasets.values_list("dataset_id", flat=True))
            )
        sections = [s for s in SECTIONS if section is None or s[0] == section]
        keep = {name for _, _, names in sections for name in names}
        if instance.pk:
            keep.add("reason")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *[Fieldset(title, *names) for _, title, names in sections],
            *(["reason"] if "reason" in self.fields else []),
        )
        self.helper.add_input(Submit("submit", submit_label))

    def clean_srs_dataset_ids(self) -> list[str]:
        values: list[str] = []
        for line in re.split(r"[\n,;]+", self.cleaned_data["srs_dataset_ids"]):
            value = line.strip()
            if not value:
                continue
            if not SRS_ID_PATTERN.match(value):
                raise ValidationError(
                    f"“{value[:40]}” is not an SRS dataset identifier: use letters, digits, dots, "
                    "dashes, underscores or slashes, at most 80 characters."
                )
            if value not in values:
                values.append(value)
        if not values:
            raise ValidationError("Give at least one SRS dataset identifier.")
        return values

    def model_fields(self) -> dict:
        """The cleaned values that are plain deposit fields (for the service)."""
        skip = {"srs_dataset_ids", "excluded_uses", "reason"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class DepositDocumentForm(forms.ModelForm):
    file = forms.FileField(
        label="PDF file",
        required=False,
        help_text="PDF only. Or give a link instead.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = DepositDocument
        fields = ["kind", "title", "file", "url", "version", "document_date", "is_internal"]
        widgets = {"document_date": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_internal"].help_text = (
            "Leave ticked for the DPIA and other internal files. Untick for the privacy notice and "
            "anything participants were given: those appear in the public catalogue."
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add document"))

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded:
            validate_pdf_upload(uploaded)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        if not self.has_error("file") and bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise ValidationError("Upload a PDF or give a link, not both and not neither.")
        return cleaned

    def _post_clean(self):
        # The service checks the model (it owns the deposit); the form checks shape only.
        pass


class ApprovalForm(forms.Form):
    privacy_notice_checked = forms.BooleanField(
        label="I have read the privacy notice and the uses above match what participants were told",
        required=True,
    )
    dpia_checked = forms.BooleanField(
        label="I have read the DPIA and its outcome supports opening this deposit", required=True
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, submit_label: str = "Approve", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))


class RejectChangeForm(forms.Form):
    note = forms.CharField(label="Why is the change rejected?", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Reject the change", css_class="btn-outline-danger"))


#: The status changes staff can ask for from each status (approval has its own form).
STATUS_ACTIONS = {
    "submit": ("Send for approval", {DepositStatus.DRAFT, DepositStatus.SUSPENDED}),
    "return_to_draft": ("Return to draft", {DepositStatus.AWAITING_APPROVAL}),
    "suspend": ("Suspend", {DepositStatus.AVAILABLE}),
    "withdraw": (
        "Withdraw",
        {
            DepositStatus.DRAFT,
            DepositStatus.AWAITING_APPROVAL,
            DepositStatus.AVAILABLE,
            DepositStatus.SUSPENDED,
        },
    ),
}


class StatusChangeForm(forms.Form):
    action = forms.ChoiceField(label="Change")
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, deposit: Deposit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            (key, label) for key, (label, sources) in STATUS_ACTIONS.items() if deposit.status in sources
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Change status", css_class="btn-outline-primary"))


class SensitiveUseForm(forms.ModelForm):
    class Meta:
        model = SensitiveUse
        fields = ["code", "name", "description", "duo_code", "is_active"]
        labels = {"is_active": "In use (applications can declare it, deposits can exclude it)"}
        help_texts = {"code": "A short fixed identifier, e.g. commercial. It cannot change later."}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]
        else:
            del self.fields["is_active"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save"))

    def _post_clean(self):
        # Uniqueness and the rest are the service's to check (it reports them as form errors).
        pass
