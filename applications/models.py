import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from core.models import AppendOnlyModel, TimeStampedModel
from core.text import OneLineCharField
from deposits.enums import LawfulBasisArt6, LawfulBasisArt9
from deposits.models import Deposit, SensitiveUse

from .after_approval.dois import validate_doi
from .enums import (
    CHANGE_REQUEST_OPEN,
    REVIEWING,
    AccessRoute,
    AccreditationReminderKind,
    ApplicationStatus,
    ChangeRequestStatus,
    ChangeRoute,
    GrantStatus,
    MemberRole,
    MemberStatus,
    OutputKind,
    ReportKind,
    ReportReminderKind,
)


class Application(TimeStampedModel):
    """A request by a team of accredited researchers for access to one or more deposits."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_applications"
    )
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )
    # Safe people (the team itself is ApplicationMember)
    interests_funders = models.TextField("funders of the work and their interest in it", blank=True)
    interests_commercial = models.TextField("commercial interests of any team member", blank=True)
    interests_care_links = models.TextField("links to care providers or local authorities", blank=True)
    # Safe project
    title = OneLineCharField(max_length=250, blank=True)
    lay_summary = models.TextField(blank=True)
    technical_summary = models.TextField(blank=True)
    research_questions = models.TextField(blank=True)
    public_benefit = models.TextField(blank=True)
    benefit_to_children = models.TextField("benefit to children in social care and care leavers", blank=True)
    care_experienced_involvement = models.TextField("involvement of care-experienced people", blank=True)
    funding = models.TextField(blank=True)
    funders_sponsors = OneLineCharField("funders and sponsors", max_length=500, blank=True)
    ethics_approval = models.TextField(blank=True)
    access_start = models.DateField(null=True, blank=True)
    access_end = models.DateField(null=True, blank=True)
    # Safe data
    deposits = models.ManyToManyField(Deposit, blank=True, related_name="applications")
    variables_needed = models.TextField("variables needed and why", blank=True)
    linkage = models.TextField("linkage to other data", blank=True)
    sensitive_uses = models.ManyToManyField(SensitiveUse, blank=True, related_name="applications")
    # The lawful bases for providing the data to this project (the deposits' own choices).
    lawful_basis_art6 = models.CharField(
        "legal basis under UK GDPR Article 6", max_length=10, choices=LawfulBasisArt6.choices, blank=True
    )
    lawful_basis_art9 = models.CharField(
        "condition for special category data under UK GDPR Article 9",
        max_length=10,
        choices=LawfulBasisArt9.choices,
        blank=True,
    )
    # Safe settings
    access_route = models.CharField(max_length=20, choices=AccessRoute.choices, blank=True)
    # Safe outputs
    outputs_plan = models.TextField("outputs and publication plan", blank=True)
    disclosure_control = models.TextField("statistical disclosure control", blank=True)
    # Declarations
    terms_accepted = models.BooleanField("I accept the terms of access on behalf of the team", default=False)
    consent_to_publish = models.BooleanField(
        "consent to publish the lay summary in the public register if approved", default=False
    )
    consent_to_publish_names = models.BooleanField(
        "the team agrees to be named in the public register if approved", default=False
    )
    # ONS's own record of the project (the lead records it once ONS has one; every event to ONS
    # carries it so ONS can match its record, as REMS's external id does)
    ons_project_reference = OneLineCharField(
        "ONS project reference",
        max_length=40,
        blank=True,
        help_text="The project's reference at the ONS Secure Research Service, if ONS has given one.",
    )
    # Milestones
    version_number = models.PositiveIntegerField(
        default=0, help_text="The last submitted version; 0 = never."
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    review_opened_at = models.DateTimeField(null=True, blank=True)
    voting_deadline = models.DateTimeField(null=True, blank=True)
    queried_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-submitted_at"]),
            # The panel's queue (panel.selectors.queue_section): the lists in review by voting
            # deadline, and what the panel saw that is decided or closed, latest decision first.
            # Partial indexes in each list's order, under the condition its filter implies, so a page
            # reads its rows in order instead of sorting every application the panel ever saw.
            models.Index(
                models.F("voting_deadline").asc(nulls_last=True),
                models.F("submitted_at").desc(),
                models.F("id").asc(),
                name="application_panel_reviewing",
                condition=models.Q(review_opened_at__isnull=False, status__in=sorted(REVIEWING)),
            ),
            models.Index(
                models.F("decided_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="application_panel_closed",
                condition=models.Q(review_opened_at__isnull=False)
                & ~models.Q(status__in=sorted(REVIEWING | {ApplicationStatus.DRAFT})),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title or '(untitled)'}"


class ApplicationMember(TimeStampedModel):
    """A person on the team: the lead (accepted from the start) or a co-applicant invited by email."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application_memberships",
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.RESEARCHER)
    status = models.CharField(max_length=20, choices=MemberStatus.choices, default=MemberStatus.INVITED)
    accepted_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    change_request = models.ForeignKey(
        "ChangeRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_members",
        help_text="The change request on a live grant that invited them (empty: invited before submission).",
    )

    class Meta:
        ordering = ["application", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "email"], name="uniq_application_member_email"),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(role=MemberRole.LEAD),
                name="uniq_application_lead_member",
            ),
            models.UniqueConstraint(
                fields=["application", "user"],
                condition=models.Q(user__isnull=False),
                name="uniq_application_member_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} on {self.application.reference}"


class ApplicationVersion(models.Model):
    """What the team submitted, frozen at each submission: the panel reviews a version, and the
    diff between versions shows what changed after a query."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="uniq_application_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} v{self.number}"


class ApplicationQuery(TimeStampedModel):
    """Questions the panel put to the team, and the team's answer."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="queries")
    version_number = models.PositiveIntegerField(help_text="The version the questions are about.")
    questions = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "created_at"]

    def __str__(self) -> str:
        return f"Query on {self.application.reference} v{self.version_number}"

    @property
    def raised_by_description(self) -> str:
        """Who put the questions, as the team reads it: the chair, or staff on the chair's behalf."""
        return "archive staff" if self.raised_by.is_portal_staff else "the panel chair"


def attachment_upload_to(instance: "ApplicationAttachment", filename: str) -> str:
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class ApplicationAttachment(TimeStampedModel):
    """A PDF the team attaches (e.g. the ethics letter). Stored outside any URL space; a view that
    checks the team streams it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    original_name = OneLineCharField(max_length=200)
    description = OneLineCharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "created_at"]

    def __str__(self) -> str:
        return f"{self.description} ({self.original_name})"


class ApplicationUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on applications, with a direct foreign key (fast, no orphans)."""

    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)


class Grant(TimeStampedModel):
    """A grant of access as it stands: grant 1 is what the panel's decision approved; each approved
    change request issues grant n+1, which supersedes grant n. What a grant says is frozen when it is
    issued (the team as ``applications.selectors.application_team_snapshot`` gives it, the datasets
    with their SRS identifiers, the period, the purpose and outputs); only its status moves on
    (``GRANT_TRANSITIONS``). ONS and the register read the grant in force, never the live profiles."""

    reference = models.CharField(max_length=30, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="grants")
    number = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    change_request = models.OneToOneField(
        "ChangeRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resulting_grant",
        help_text="The change request that issued it; empty for grant 1, issued by the panel's decision.",
    )
    status = models.CharField(
        max_length=20, choices=GrantStatus.choices, default=GrantStatus.LIVE, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(
        blank=True, help_text="Why it was suspended (shown to the team and staff), as the re-screen found."
    )
    issue_reason = models.TextField(
        blank=True,
        help_text="Why the archive issued it without a change request: a withdrawn deposit or a lapsed "
        "accreditation taken off it, or a suspension lifted (with the staff member's note).",
    )
    team = models.JSONField(default=list, blank=True, help_text="The team, lead first (as Decision.team).")
    deposits = models.ManyToManyField(Deposit, blank=True, related_name="grants")
    datasets = models.JSONField(
        default=list,
        blank=True,
        help_text="The deposits covered, frozen: [{reference, title, srs_dataset_ids}].",
    )
    purpose = models.TextField("purpose (research questions)", blank=True)
    outputs_plan = models.TextField("outputs and publication plan", blank=True)
    access_start = models.DateField(null=True, blank=True)
    access_end = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "number"]
        # The read API lists grants least recently changed first with a (updated_at, id) cursor
        # (api.selectors.grant_list_for_api): a page reads the index in order instead of sorting all.
        indexes = [models.Index(fields=["updated_at", "id"], name="grant_changed_order")]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="uniq_grant_number"),
            models.UniqueConstraint(
                fields=["application"],
                condition=~models.Q(status=GrantStatus.SUPERSEDED),
                name="uniq_grant_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(access_start__isnull=True)
                | models.Q(access_end__isnull=True)
                | models.Q(access_end__gte=models.F("access_start")),
                name="grant_access_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display().lower()})"

    @property
    def lead(self) -> dict:
        first = (self.team or [{}])[0]
        return first if first.get("role") == MemberRole.LEAD else {}


class ChangeRequest(TimeStampedModel):
    """The lead asks to change a live grant: team members added (invited, and accepting, as at
    submission) or removed, deposits added (screened against their use conditions) or removed, a new
    purpose or outputs plan, a later access end. Empty fields mean "unchanged". It is routed by
    ``panel.rules.change_request_route`` and decided by staff, the chair, or the panel and the chair;
    an approval issues the next grant."""

    reference = models.CharField(max_length=30, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="change_requests")
    number = models.PositiveIntegerField()
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="change_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.AWAITING_TEAM,
        db_index=True,
    )
    reason = models.TextField("why the change is needed")
    purpose = models.TextField("new purpose (research questions)", blank=True)
    outputs_plan = models.TextField("new outputs and publication plan", blank=True)
    access_end = models.DateField("new access end", null=True, blank=True)
    deposits_added = models.ManyToManyField(Deposit, blank=True, related_name="change_requests_adding")
    deposits_removed = models.ManyToManyField(Deposit, blank=True, related_name="change_requests_removing")
    members_removed = models.ManyToManyField(ApplicationMember, blank=True, related_name="removal_requests")
    route = models.CharField(max_length=10, choices=ChangeRoute.choices, blank=True)
    route_reason = models.TextField(blank=True)
    refusal_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    voting_deadline = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rationale = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="uniq_change_request_number"),
            models.UniqueConstraint(
                fields=["grant"],
                condition=models.Q(status__in=sorted(CHANGE_REQUEST_OPEN)),
                name="uniq_change_request_open_per_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in CHANGE_REQUEST_OPEN


# --- After approval: outputs, reports, closure (services in applications/after_approval/) ----------


class ApplicationOutput(TimeStampedModel):
    """Something an approved project produced (a paper, a report, a dataset ...), recorded by its
    team. Public: the register entry and the page of each deposit it used show it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(max_length=20, choices=OutputKind.choices, default=OutputKind.PUBLICATION)
    title = OneLineCharField(max_length=300)
    published_on = models.DateField("date")
    doi = models.CharField(
        "DOI", max_length=300, blank=True, validators=[validate_doi], help_text="Bare and lower-cased."
    )
    url = models.URLField("link", max_length=500, blank=True)
    citation = models.TextField("authors and citation", blank=True)
    deposits = models.ManyToManyField(Deposit, blank=True, related_name="application_outputs")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "-published_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "doi"],
                condition=~models.Q(doi=""),
                name="uniq_application_output_doi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display().lower()}, {self.application.reference})"

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""


class ApplicationReport(TimeStampedModel):
    """A report the team owes: the annual progress report (``period`` = the year of access, from 1)
    or the closing report (``period`` 0). The row exists from when it is scheduled, with its due
    date; the team's answers and ``submitted_at`` fill it in. A progress report that the end of
    access overtook before it was due is ``superseded`` (the closing report covers it)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    period = models.PositiveSmallIntegerField(default=0)
    due_on = models.DateField(db_index=True)
    summary = models.TextField("summary of progress", blank=True)
    problems = models.TextField("problems met", blank=True)
    changes_needed = models.TextField("changes needed", blank=True)
    outputs_listed = models.JSONField(
        default=list, blank=True, help_text="The outputs recorded when the report was submitted."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "period"], name="uniq_application_report"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.kind == ReportKind.PROGRESS:
            label = f"{label}, year {self.period}"
        return f"{label} ({self.application.reference})"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ReportReminder(models.Model):
    """A reminder sent to the team before a report's deadline: one per report and threshold,
    enforced by the database (like transparency's AccessNotice)."""

    report = models.ForeignKey(ApplicationReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReportReminderKind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="uniq_report_reminder_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder: {self.report}"


class AccreditationReminder(models.Model):
    """A team member was warned that their ONS accreditation expires before their grant's access
    ends: once per member, threshold and expiry date (a constraint; a renewal to a new date is
    warned afresh)."""

    member = models.ForeignKey(
        ApplicationMember, on_delete=models.CASCADE, related_name="accreditation_reminders"
    )
    kind = models.CharField(max_length=10, choices=AccreditationReminderKind.choices)
    expires_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "expires_on"], name="uniq_accreditation_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} accreditation reminder: {self.member}"


class ApplicationClosure(models.Model):
    """How a live project's access ended: at the end of its access period, or early at the team's
    request (``early``, with the lead's reason). One per application; the status is ACCESS_ENDED
    either way."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="closure")
    closed_at = models.DateTimeField()
    early = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        how = "closed early" if self.early else "access period ended"
        return f"{self.application.reference} {how}"


# --- Terms of access ---------------------------------------------------------------------------------

#: The longest acceptance period a version may give live teams, in days.
TERMS_ACCEPTANCE_PERIOD_MAX_DAYS = 365


class TermsOfAccess(AppendOnlyModel):
    """One published version of the archive's terms of access. Versions are append-only (the model
    and a database trigger refuse to change or delete one); the version in force is always the
    latest published (``applications.selectors.terms_in_force``)."""

    append_only_update_message = append_only_delete_message = (
        "A published version of the terms of access is never changed: publish a new version."
    )

    number = models.PositiveIntegerField(unique=True, help_text="1, 2, 3 ... in the order published.")
    label = OneLineCharField(max_length=40, unique=True, help_text="How people name it, e.g. 2026.1.")
    text = models.TextField(help_text="Markdown. HTML is not allowed and is shown as text.")
    summary_of_changes = models.TextField(blank=True)
    acceptance_period_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(TERMS_ACCEPTANCE_PERIOD_MAX_DAYS)],
        help_text="Live teams accept this version within this many days of being asked.",
    )
    published_at = models.DateTimeField(db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-number"]
        verbose_name = "terms of access version"
        verbose_name_plural = "terms of access versions"

    def __str__(self) -> str:
        return f"Terms of access version {self.number} ({self.label})"


class TermsAcceptance(AppendOnlyModel):
    """A team member accepted a version of the terms of access for one application: once per
    user, version and application (a constraint), never changed or deleted."""

    append_only_update_message = append_only_delete_message = "Acceptances of the terms are append-only."

    terms = models.ForeignKey(TermsOfAccess, on_delete=models.PROTECT, related_name="acceptances")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="terms_acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["terms", "application", "user"], name="uniq_terms_acceptance_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted terms version {self.terms.number} for {self.application.reference}"


class TermsAcceptanceRequest(models.Model):
    """A team member was asked (by email) to accept a version for one application, by ``due_on``:
    once per user, version and application (a constraint), so nobody is asked twice."""

    terms = models.ForeignKey(TermsOfAccess, on_delete=models.PROTECT, related_name="requests")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="terms_acceptance_requests"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["terms", "application", "user"], name="uniq_terms_request_per_member"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} asked to accept terms version {self.terms.number} for {self.application.reference}"
        )
