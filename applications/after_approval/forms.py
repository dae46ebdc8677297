"""Shapes of the team's forms after approval. The rules across objects (only the team, only an
approved project, deposits of this project) are the services' and come back as form errors."""

from django import forms
from django.core.exceptions import ValidationError

from core.text import OneLineFormField
from core.widgets import DateInput

from ..enums import OutputKind
from ..forms import _HelperMixin
from .dois import doi_normalise
from .selectors import output_deposit_choices
from .services.closure import REASON_MAX_CHARS
from .services.reports import REPORT_ANSWER_MAX_CHARS


class DoiFormField(forms.CharField):
    """A DOI as a person pastes it (bare, ``doi:`` or a doi.org link), cleaned to the bare,
    lower-cased DOI; a malformed one is refused with what is wrong."""

    def clean(self, value):
        value = super().clean(value)
        try:
            return doi_normalise(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="doi") from exc


class OutputForm(_HelperMixin, forms.Form):
    submit_label = "Save the output"
    kind = forms.ChoiceField(label="Kind of output", choices=OutputKind.choices)
    title = OneLineFormField(max_length=300, label="Title")
    published_on = forms.DateField(
        label="Date", widget=DateInput, help_text="When it was published, released or presented."
    )
    doi = DoiFormField(
        label="DOI",
        required=False,
        max_length=300,
        help_text="For example 10.1000/xyz123 or https://doi.org/10.1000/xyz123; empty if there is none.",
    )
    url = forms.URLField(
        label="Link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where to read it, if not by DOI.",
    )
    citation = forms.CharField(
        label="Authors and citation",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As you would cite it, e.g. Smith J, Khan A (2026). Title. Journal 12(3).",
    )
    deposits = forms.ModelMultipleChoiceField(
        label="Data it used",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The output is listed on the public page of each deposit you tick.",
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deposits"].queryset = output_deposit_choices(application=application)
        self.fields["deposits"].label_from_instance = lambda d: f"{d.reference} {d.title}"

    @classmethod
    def initial_for(cls, output) -> dict:
        return {
            "kind": output.kind,
            "title": output.title,
            "published_on": output.published_on,
            "doi": output.doi,
            "url": output.url,
            "citation": output.citation,
            "deposits": list(output.deposits.all()),
        }


class ReportForm(_HelperMixin, forms.Form):
    submit_label = "Send the report"
    summary = forms.CharField(
        label="Summary of progress",
        max_length=REPORT_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the project has done with the data so far.",
    )
    problems = forms.CharField(
        label="Problems met",
        required=False,
        max_length=REPORT_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything that held the work up. Write “None” if none.",
    )
    changes_needed = forms.CharField(
        label="Changes needed",
        required=False,
        max_length=REPORT_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Changes to the team, the data or the access period you expect to ask for.",
    )


class CloseEarlyForm(_HelperMixin, forms.Form):
    submit_label = "Close the project now"
    submit_class = "btn-danger"
    reason = forms.CharField(
        label="Why the project is closing early",
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm = forms.BooleanField(
        label="I understand that the team's access to the data ends at once and cannot be reopened.",
    )
