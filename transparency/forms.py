from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from core.text import OneLineFormField

from .models import InfoPage


class InfoPageForm(forms.Form):
    title = OneLineFormField(max_length=200, label="Title")
    body = forms.CharField(
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=(
            "Markdown: ## for a heading, **bold**, - for a list, [words](https://…) for a link, "
            "| a | b | for a table. HTML is shown as text, never used."
        ),
        max_length=100_000,
    )
    change_note = OneLineFormField(
        label="What changed (kept with this version)", max_length=300, required=False
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, page: InfoPage, **kwargs):
        current = {"title": page.title, "body": page.body, "base_version": page.version}
        kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Publish this version"))
