"""The lead's change request form: one form for every kind of change on a live grant. Fields left
as they are mean "unchanged"; the service decides what may change."""

from django import forms

from core.widgets import DateInput
from deposits.enums import DepositStatus
from deposits.models import Deposit

from .enums import GrantStatus, MemberRole, MemberStatus
from .forms import _HelperMixin
from .grant_selectors import member_name
from .models import ApplicationMember, Grant


class ChangeRequestForm(_HelperMixin, forms.Form):
    submit_label = "Send the change request"

    invite_email = forms.EmailField(
        label="Add a co-applicant (their email address)",
        required=False,
        help_text="They are invited by email and must accept, with an ONS accreditation, as at submission.",
    )
    invite_role = forms.ChoiceField(
        label="Their role on the team",
        required=False,
        choices=[(r.value, r.label) for r in (MemberRole.RESEARCHER, MemberRole.SUPERVISOR)],
    )
    members_removed = forms.ModelMultipleChoiceField(
        label="Remove from the team",
        required=False,
        queryset=ApplicationMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    deposits_added = forms.ModelMultipleChoiceField(
        label="Add deposits",
        required=False,
        queryset=Deposit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each is screened against its use conditions like a new application.",
    )
    deposits_removed = forms.ModelMultipleChoiceField(
        label="Remove deposits",
        required=False,
        queryset=Deposit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(
        label="Purpose (research questions)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Leave as it is unless the purpose changes.",
    )
    outputs_plan = forms.CharField(
        label="Outputs and publication plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave as it is unless the outputs change.",
    )
    access_end = forms.DateField(
        label="New access end (an extension)",
        required=False,
        widget=DateInput,
        help_text="Leave empty to keep it.",
    )
    reason = forms.CharField(label="Why the change is needed", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, grant: Grant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_removed"].queryset = (
            ApplicationMember.objects.filter(
                application_id=grant.application_id, status=MemberStatus.ACCEPTED
            )
            .exclude(role=MemberRole.LEAD)
            .select_related("user")
        )
        self.fields["members_removed"].label_from_instance = lambda m: (
            f"{member_name(m)} ({m.get_role_display()})"
        )
        granted = grant.deposits.all()
        self.fields["deposits_removed"].queryset = granted.order_by("reference")
        self.fields["deposits_added"].queryset = (
            Deposit.objects.filter(status=DepositStatus.AVAILABLE)
            .exclude(pk__in=granted.values("pk"))
            .order_by("reference")
        )
        for name in ("deposits_added", "deposits_removed"):
            self.fields[name].label_from_instance = lambda d: f"{d.reference} {d.title}"
        self.fields["purpose"].initial = grant.purpose
        self.fields["outputs_plan"].initial = grant.outputs_plan
        self.fields["access_end"].help_text = (
            f"Now {grant.access_end:%d %B %Y}; leave empty to keep it."
            if grant.access_end
            else "Leave empty to keep it."
        )
        if grant.status == GrantStatus.SUSPENDED:  # only what would lift the suspension can be asked
            for name in (
                "invite_email",
                "invite_role",
                "deposits_added",
                "purpose",
                "outputs_plan",
                "access_end",
            ):
                del self.fields[name]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        email = (data.get("invite_email") or "").strip()
        return {
            "reason": data["reason"],
            "purpose": data.get("purpose") or "",
            "outputs_plan": data.get("outputs_plan") or "",
            "access_end": data.get("access_end"),
            "deposits_added": list(data.get("deposits_added") or []),
            "deposits_removed": list(data.get("deposits_removed") or []),
            "members_removed": list(data.get("members_removed") or []),
            "invitations": [(email, data.get("invite_role") or MemberRole.RESEARCHER)] if email else [],
        }


class GrantResumeForm(_HelperMixin, forms.Form):
    """Staff lift a grant's suspension: why it can be lifted (kept in the audit, told to the team)."""

    submit_label = "Lift the suspension and tell ONS"
    note = forms.CharField(
        label="Why the suspension can be lifted",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the team and kept in the audit log, e.g. “DEP-0003 reinstated after review”.",
    )
