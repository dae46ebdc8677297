"""The panel's side: membership, interests, conflicts, votes, rules and the binding decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from applications.enums import MemberRole
from applications.models import Application, ChangeRequest
from core.models import AppendOnlyModel, TimeStampedModel

from .enums import (
    APPROVALS,
    DecisionOutcome,
    OutcomeRule,
    ProjectVote,
    Recommendation,
    ReminderKind,
    ResearcherFit,
)


class PanelMembership(models.Model):
    """A period on the panel. A chair is also a member. Ending a membership keeps the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_memberships"
    )
    is_chair = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-is_chair", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="uniq_panel_membership_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({'chair' if self.is_chair else 'member'})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class MemberInterest(models.Model):
    """A standing declaration of interests (employment, funding, links to care providers or local
    authorities), visible to the chair and staff."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_interests"
    )
    description = models.TextField()
    declared_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member__full_name", "-declared_at"]

    def __str__(self) -> str:
        return f"Interest of {self.member}"


class ConflictDeclaration(models.Model):
    """A member's answer, per application, to "do you have a conflict of interest?". Nothing but the
    title and the lead's organisation is shown before it exists."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField()
    reason = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="uniq_conflict_declaration"),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(reason=""), name="conflict_declaration_reason_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.application.reference}: {'conflict' if self.has_conflict else 'none'}"


class Vote(models.Model):
    """A member's two answers on one version of an application. A vote on an older version than the
    application's current one is *stale*: kept, but not counted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version_number = models.PositiveIntegerField()
    project_vote = models.CharField(max_length=10, choices=ProjectVote.choices)
    project_comment = models.TextField(blank=True)
    researcher_fit = models.CharField(max_length=12, choices=ResearcherFit.choices)
    researcher_fit_comment = models.TextField(blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "version_number", "cast_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member", "version_number"], name="uniq_vote_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.application.reference} v{self.version_number}"

    def is_stale_for(self, application: Application) -> bool:
        return self.version_number != application.version_number


class PanelRules(models.Model):
    """The single row of rules (staff change it at /panel/staff/rules/ through
    ``panel_rules_update``); a copy is kept with each decision."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    quorum = models.PositiveSmallIntegerField(
        default=3, help_text="Minimum number of current votes by members without a conflict."
    )
    outcome_rule = models.CharField(max_length=12, choices=OutcomeRule.choices, default=OutcomeRule.MAJORITY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "panel rules"
        verbose_name_plural = "panel rules"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="panel_rules_single_row"),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="panel_rules_quorum_positive"),
        ]

    def __str__(self) -> str:
        return f"Quorum {self.quorum}, {self.get_outcome_rule_display()}"

    def snapshot(self) -> dict:
        return {"quorum": self.quorum, "outcome_rule": self.outcome_rule}


class Decision(AppendOnlyModel):
    """The binding, final decision on an application: by the chair, or by the system when the
    application breaks a deposit's use conditions. Immutable: the model refuses updates and deletes,
    and so does a PostgreSQL trigger (migration 0002). A later change of mind is a new event
    (revocation), never an edit."""

    append_only_update_message = "Decisions are final: record a new event instead of editing one."
    append_only_delete_message = "Decisions are final and cannot be deleted."

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=30, choices=DecisionOutcome.choices)
    rationale = models.TextField()
    public_rationale = models.CharField(
        max_length=1000, blank=True, help_text="A short reason fit for the public register."
    )
    conditions = models.TextField(blank=True)
    access_start = models.DateField(null=True, blank=True)
    access_end = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_decisions",
        help_text="Empty for a decision by the system.",
    )
    is_automatic = models.BooleanField(default=False)
    recommended_outcome = models.CharField(max_length=12, choices=Recommendation.choices, blank=True)
    departure_reason = models.TextField(blank=True)
    rules = models.JSONField(default=dict, blank=True, help_text="The quorum and outcome rule in force.")
    team = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "The accepted team when the decision was made, lead first: name, email, organisation, "
            "sector, accreditation number and expiry, role (applications.selectors."
            "application_team_snapshot). ONS and the public register read this, never the live profiles."
        ),
    )
    version_number = models.PositiveIntegerField()
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(access_start__isnull=True)
                | Q(access_end__isnull=True)
                | Q(access_end__gte=models.F("access_start")),
                name="decision_access_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(is_automatic=True) | Q(decided_by__isnull=False), name="decision_has_decider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.get_outcome_display()}"

    @property
    def is_approval(self) -> bool:
        return self.outcome in APPROVALS

    @property
    def team_lead(self) -> dict:
        """The lead applicant as the decision recorded them: the first of ``team`` (the register's
        filters look there too, as ``decision__team__0__...``); empty if the team has no lead."""
        first = (self.team or [{}])[0]
        return first if first.get("role") == MemberRole.LEAD else {}


class VoteReminder(models.Model):
    """A reminder sent to a member who had not voted; recorded so each is sent once per deadline."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    deadline = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member", "kind", "deadline"], name="uniq_vote_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder to {self.member} on {self.application.reference}"


class QuorumNotice(models.Model):
    """The chairs were told that a version of an application reached the quorum; recorded so they are
    told once per version."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    version_number = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "version_number"], name="uniq_quorum_notice"),
        ]

    def __str__(self) -> str:
        return f"Quorum reached on {self.application.reference} v{self.version_number}"


class Revocation(TimeStampedModel):
    """Staff withdrew an approved application's access. An application is revoked at most once.
    It lives beside the decision it ends; the table keeps the name it had in the notifications app
    (panel migration 0005 and notifications migration 0002 moved only Django's record of it)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="revocation")
    reason = models.TextField()
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField()

    class Meta:
        db_table = "notifications_revocation"
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"Revocation of {self.application.reference}"


class ChangeConflictDeclaration(models.Model):
    """A member's answer, per change request, to "do you have a conflict of interest?" (the team may
    have new members): nothing of the change is shown before it exists."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField()
    reason = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["change_request", "declared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "member"], name="uniq_change_conflict_declaration"
            ),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(reason=""),
                name="change_conflict_declaration_reason_given",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.member} on {self.change_request.reference}: {'conflict' if self.has_conflict else 'none'}"
        )


class ChangeVote(models.Model):
    """A member's two answers on a change request (the project as changed, and the fit of the team as
    changed: it matters when members are added), changeable until voting closes."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    project_vote = models.CharField(max_length=10, choices=ProjectVote.choices)
    project_comment = models.TextField(blank=True)
    researcher_fit = models.CharField(max_length=12, choices=ResearcherFit.choices)
    researcher_fit_comment = models.TextField(blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["change_request", "cast_at"]
        constraints = [
            models.UniqueConstraint(fields=["change_request", "member"], name="uniq_change_vote"),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.change_request.reference}"
