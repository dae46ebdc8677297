from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from core.widgets import DateInput, DateTimeLocalInput

from .enums import DecisionOutcome, OutcomeRule, ProjectVote, ResearcherFit


class _CrispyForm(forms.Form):
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class ConflictDeclarationForm(_CrispyForm):
    submit_label = "Record my declaration"
    has_conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with this application or its team?",
        choices=[("no", "No, I have no conflict of interest"), ("yes", "Yes, I have a conflict of interest")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="The conflict (if any)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: you work with a member of the team, or for a funder of the project.",
    )

    def clean(self):
        data = super().clean()
        if data.get("has_conflict") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the conflict of interest.")
        return data


class VoteForm(_CrispyForm):
    submit_label = "Record my vote"
    project_vote = forms.ChoiceField(
        label="The project", choices=ProjectVote.choices, widget=forms.RadioSelect
    )
    project_comment = forms.CharField(
        label="Comment on the project", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    researcher_fit = forms.ChoiceField(
        label="The researcher's fit with the charity's purpose for children in social care",
        choices=ResearcherFit.choices,
        widget=forms.RadioSelect,
    )
    researcher_fit_comment = forms.CharField(
        label="Comment on the researcher's fit", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class DecisionForm(_CrispyForm):
    submit_label = "Record the decision"
    outcome = forms.ChoiceField(label="Decision", choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label="Rationale (sent to the team)", widget=forms.Textarea(attrs={"rows": 5})
    )
    public_rationale = forms.CharField(
        label="Public rationale (short, for the public register)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conditions = forms.CharField(
        label="Conditions (approval with conditions only)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_end = forms.DateField(
        label="Access ends on (approvals; leave empty for the end the team asked for)",
        required=False,
        widget=DateInput,
    )
    departure_reason = forms.CharField(
        label="Reason for departing from the recommended outcome (if you do)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueryForm(_CrispyForm):
    submit_label = "Send the questions"
    questions = forms.CharField(
        label="Questions for the applicants", widget=forms.Textarea(attrs={"rows": 6})
    )


class OpenReviewForm(_CrispyForm):
    submit_label = "Open for panel review"
    voting_deadline = forms.DateTimeField(
        label="Voting deadline",
        widget=DateTimeLocalInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = timezone.localtime() + timedelta(days=14)
        self.fields["voting_deadline"].initial = default.replace(hour=17, minute=0, second=0, microsecond=0)


class MemberAddForm(_CrispyForm):
    submit_label = "Add to the panel"
    user = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.none(),
        help_text="Invite a new person from the People page first if they have no account.",
    )
    is_chair = forms.BooleanField(label="As a chair", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.STAFF).order_by("full_name")
        )


class PanelRulesForm(_CrispyForm):
    submit_label = "Save the rules"
    quorum = forms.IntegerField(
        label="Quorum",
        min_value=1,
        max_value=100,
        help_text=(
            "The fewest current votes, by members without a conflict, before the rules recommend anything."
        ),
    )
    outcome_rule = forms.ChoiceField(
        label="Outcome rule", choices=OutcomeRule.choices, widget=forms.RadioSelect
    )


class InterestForm(_CrispyForm):
    submit_label = "Add to my register of interests"
    description = forms.CharField(
        label="Interest",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Employment, funding, shareholdings, or links to care providers or local authorities.",
    )


class QueueSearchForm(forms.Form):
    """The panel queue's search box (GET)."""

    q = forms.CharField(
        label="Search the queue",
        required=False,
        max_length=200,
        help_text="A reference, title or the applicant's organisation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "queue-search"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("", "Search"))

    @property
    def text(self) -> str:
        """The valid search text, or "" (nothing typed, or refused: the form shows why)."""
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class ChangeDecisionForm(_CrispyForm):
    submit_label = "Record the decision"
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve the change"), ("reject", "Reject the change")],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label="Rationale (sent to the team)", widget=forms.Textarea(attrs={"rows": 4})
    )
    departure_reason = forms.CharField(
        label="Reason for departing from the panel's recommendation (if you do)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
