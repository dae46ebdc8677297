from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .enums import OnsNotificationStatus


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *OnsNotificationStatus.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-md-auto g-2 align-items-end mb-3"
        self.helper.add_input(Submit("filter", "Filter", css_class="btn-secondary"))


class RevokeForm(forms.Form):
    application_reference = forms.CharField(
        label="Application reference",
        max_length=20,
        help_text="As shown on the application, e.g. APP-2026-0012.",
    )
    reason = forms.CharField(
        label="Reason for revoking access",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Recorded in the audit log. ONS is told only that access is revoked, not why.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Revoke access and tell ONS", css_class="btn-danger"))

    def clean_application_reference(self) -> str:
        return self.cleaned_data["application_reference"].strip().upper()
