"""Shapes of the researcher's forms. Rules across objects (who, when, what is complete) are the
services' business and come back as form errors."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from core.files import validate_pdf_upload
from core.text import OneLineFormField
from core.widgets import DateInput
from deposits.models import SensitiveUse

from .enums import ApplicationSection, MemberRole
from .models import TERMS_ACCEPTANCE_PERIOD_MAX_DAYS, Application
from .sections import LAY_SUMMARY_MAX_WORDS, SECTION_FIELDS, WORD_PATTERN
from .selectors import deposits_selectable_for


class _HelperMixin:
    submit_label = "Save"
    submit_class = "btn-primary"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label, css_class=self.submit_class))


class ApplicationStartForm(_HelperMixin, forms.Form):
    submit_label = "Start the application"
    title = OneLineFormField(
        max_length=250,
        label="Working title of the project",
        help_text="You can change it later.",
    )


HELP_TEXTS = {
    "interests_funders": "Who funds the work and what interest they have in its results. "
    "Write “None” if none.",
    "interests_commercial": "Any commercial interest of a team member in the data or the results. "
    "Write “None” if none.",
    "interests_care_links": "Links of any team member to care providers or local authorities (employment, "
    "contracts, trusteeships). Write “None” if none.",
    "lay_summary": f"Plain English for a general reader; at most {LAY_SUMMARY_MAX_WORDS} words. "
    "Published in the public register if approved and you consent.",
    "technical_summary": "Design, methods and analysis plan.",
    "research_questions": "One per line.",
    "public_benefit": "How the public will benefit from the work, in plain English. If approved and you "
    "consent, the public register publishes it as the project's public benefit statement.",
    "benefit_to_children": "How the work serves children in social care and care leavers.",
    "care_experienced_involvement": "How care-experienced people shaped or will shape the work.",
    "funding": "Funder, grant reference and period.",
    "funders_sponsors": "The organisations that fund or sponsor the work, by name, separated by commas "
    "(for example: Nuffield Foundation, University of Bristol (sponsor)). Published in the public "
    "register if approved and you consent.",
    "ethics_approval": "Committee, reference and date of approval. Attach the letter as a PDF.",
    "variables_needed": "The variables you need and why each is needed (data minimisation).",
    "linkage": "Any linkage to other data, with its legal basis. Write “None” if none.",
    "sensitive_uses": "Tick every use your project involves. Deposits exclude some of these uses; "
    "a request that breaks a deposit's conditions is rejected automatically.",
    "lawful_basis_art6": "The UK GDPR Article 6 basis on which the data is provided for this project "
    "(for research by a university or a public body, usually Art 6(1)(e) public task).",
    "lawful_basis_art9": "The Article 9 condition for the special category data (health, ethnicity, "
    "care history) the project uses: usually Art 9(2)(j) archiving, research and statistics.",
    "access_route": "How the team will reach the data in the ONS Secure Research Service.",
    "outputs_plan": "Papers, reports and other outputs, and where you will publish them.",
    "disclosure_control": "How outputs will be checked for disclosure risk before release.",
    "terms_accepted": "The terms of access are published at /terms/. Besides this declaration, every team "
    "member accepts the version in force for themselves, on the application's terms of access page.",
    "consent_to_publish": "If approved, the public register (and its download in the UK data-use-register "
    "format) shows the title, the lay summary, the public benefit statement, the funders and sponsors, "
    "the legal bases, the lead organisation and its sector, the data used and the access period.",
    "consent_to_publish_names": "Tick as well to have the register name the team members as the "
    "decision records them. Email addresses and accreditation numbers are never published.",
}

#: Choice questions whose empty choice reads "Not chosen yet".
_CHOICE_FIELDS = ("access_route", "lawful_basis_art6", "lawful_basis_art9")


class ApplicationSectionForm(_HelperMixin, forms.ModelForm):
    """One section of the application. Every answer is optional here (a draft saves incomplete);
    the submission check lists what is missing."""

    submit_label = "Save this section"
    section: str = ""

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name in HELP_TEXTS:
                field.help_text = HELP_TEXTS[name]
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 4
        if "lay_summary" in self.fields:
            self.fields["lay_summary"].widget.attrs.update(
                {"data-word-limit": LAY_SUMMARY_MAX_WORDS, "data-word-pattern": WORD_PATTERN, "rows": 8}
            )
        if "deposits" in self.fields:
            self.fields["deposits"].queryset = deposits_selectable_for(application=self.instance)
            self.fields["deposits"].label_from_instance = _deposit_label
            self.fields["deposits"].help_text = "Pick the deposits you need from the catalogue."
        if "sensitive_uses" in self.fields:
            self.fields["sensitive_uses"].queryset = SensitiveUse.objects.filter(is_active=True).order_by(
                "name"
            )
        for name in _CHOICE_FIELDS:
            if name in self.fields:
                self.fields[name].choices = [("", "Not chosen yet"), *self.fields[name].choices[1:]]

    def answers(self) -> dict:
        """The answers that passed validation, strings stripped: all of them when the form is valid,
        and when it is not, the ones to keep while the person corrects the others."""
        return {
            name: value.strip() if isinstance(value, str) else value
            for name, value in self.cleaned_data.items()
            if name in self.Meta.fields and name not in self.errors
        }

    def fields_to_correct(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("access_start"), cleaned.get("access_end")
        if start and end and end <= start:
            self.add_error("access_end", "The access end must be after its start.")
        return cleaned


def _deposit_label(deposit) -> str:
    label = f"{deposit.reference} {deposit.title}"
    if not deposit.is_available:
        label += f" (not available: {deposit.get_status_display().lower()})"
    return label


def section_form_class(section: str) -> type[ApplicationSectionForm]:
    fields = list(SECTION_FIELDS[section])
    widgets = {
        "access_start": DateInput,
        "access_end": DateInput,
        "deposits": forms.CheckboxSelectMultiple,
        "sensitive_uses": forms.CheckboxSelectMultiple,
        "access_route": forms.RadioSelect,
    }
    meta = type(
        "Meta",
        (),
        {
            "model": Application,
            "fields": fields,
            "widgets": {k: v for k, v in widgets.items() if k in fields},
            "labels": {"sensitive_uses": "Sensitive uses the project involves"},
        },
    )
    name = f"{ApplicationSection(section).name.title()}SectionForm"
    return type(name, (ApplicationSectionForm,), {"Meta": meta, "section": section, "__module__": __name__})


class MemberInviteForm(_HelperMixin, forms.Form):
    submit_label = "Send the invitation"
    email = forms.EmailField(label="Co-applicant's email address")
    role = forms.ChoiceField(
        label="Role on the team",
        choices=[(r.value, r.label) for r in (MemberRole.RESEARCHER, MemberRole.SUPERVISOR)],
    )


class AttachmentForm(_HelperMixin, forms.Form):
    submit_label = "Upload"
    description = OneLineFormField(
        max_length=200, label="What the document is", help_text="For example: Ethics approval letter."
    )
    file = forms.FileField(
        label="PDF file",
        help_text=f"PDF only, at most {settings.MAX_UPLOAD_BYTES // 1_048_576} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_pdf_upload(uploaded)
        return uploaded


class QueryAnswerForm(_HelperMixin, forms.Form):
    submit_label = "Save the answer"
    answer = forms.CharField(label="Your answer", widget=forms.Textarea(attrs={"rows": 8}))


class ConfirmForm(_HelperMixin, forms.Form):
    """A single button (submit, resubmit)."""

    def __init__(self, *args, submit_label: str = "Confirm", **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)


class OnsProjectReferenceForm(_HelperMixin, forms.Form):
    submit_label = "Save the ONS project reference"
    ons_project_reference = OneLineFormField(
        label="ONS project reference",
        max_length=40,
        required=False,
        help_text="As ONS wrote it in its emails about the project. Leave empty if ONS has not given one.",
    )


class WithdrawForm(_HelperMixin, forms.Form):
    submit_label = "Withdraw the application"
    submit_class = "btn-danger"
    reason = forms.CharField(
        label="Reason (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


# --- Terms of access -------------------------------------------------------------------------------


class TermsPublishForm(_HelperMixin, forms.Form):
    """Staff publish a new version (the version in force is the starting text)."""

    submit_label = "Publish this version"
    label = OneLineFormField(
        max_length=40, label="Version label", help_text="How people will name this version, e.g. 2026.2."
    )
    text = forms.CharField(
        label="The terms of access (Markdown)",
        widget=forms.Textarea(attrs={"rows": 20}),
        max_length=100_000,
        help_text=(
            "Markdown: ## for a heading, **bold**, - for a list, 1. for a numbered list, "
            "[words](https://…) for a link. HTML is shown as text, never used."
        ),
    )
    summary_of_changes = forms.CharField(
        label="What changed since the version in force",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        help_text="Required after the first version: teams read it in the email asking them to accept again.",
    )
    acceptance_period_days = forms.IntegerField(
        label="Days live teams have to accept it",
        min_value=1,
        max_value=TERMS_ACCEPTANCE_PERIOD_MAX_DAYS,
        help_text="After this, staff see on the “Terms not accepted” page who has not.",
    )
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, in_force=None, **kwargs):
        current = {
            "base_number": in_force.number if in_force else 0,
            "text": in_force.text if in_force else "",
            "acceptance_period_days": in_force.acceptance_period_days if in_force else 30,
        }
        kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class TermsAcceptForm(_HelperMixin, forms.Form):
    """A team member accepts the version shown (``terms_number``: the one they read)."""

    submit_label = "Accept the terms of access"
    accept = forms.BooleanField(
        label="I have read these terms of access and accept them",
        error_messages={"required": "Tick the box to accept the terms of access."},
    )
    terms_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
