"""Grants and what follows approval, for scripts/bench's main series (see bench_data.py): for each
approved application, the chain of grants the services would have issued (grant 1 by the panel's
decision, grant n+1 by each approved change request, superseding grant n), its change requests
(approved, withdrawn, refused, rejected, waiting for a decision or for the team), the panel's
conflict declarations and votes on them, the ONS event of each grant issued or suspended, the
outputs the measured researcher's projects recorded, and the audit events. Row ``i`` is the same
whatever the order the series is grown in: everything here follows from ``i``.

Per approved row (``b, p = divmod(i, 20)``): ``chain_length(i)`` grants (1 to 4, 2.5 on average,
so 10,000 applications hold about 10,000 grants); approved change request m changes
``CHANGE_KINDS[(i + m) % 4]``; then a closed change request on the grant in force on three rows in
five (``closed_status``); an open one on two rows in a hundred (staff, the panel or the chair
decides) and one waiting for its team on one in a hundred (``open_change``); one grant in force in
24 suspended (``in_force_status``)."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from bench_data_common import (
    BATCH,
    RESEARCHER_ROWS_MAX,
    STATUS_CYCLE,
    WEBHOOK_TARGET,
    Actors,
    S,
    app_deposit_keys,
    audit_event,
    delivered_notifications_create,
    deposit_key,
)
from django.db.models import prefetch_related_objects
from django.utils import timezone

from applications.enums import (
    CHANGE_REQUEST_OPEN,
    ApplicationsAuditAction,
    ChangeKind,
    ChangeRequestStatus,
    ChangeRoute,
    GrantStatus,
    MemberRole,
    MemberStatus,
    OutputKind,
)
from applications.grant_selectors import datasets_snapshot
from applications.models import ApplicationMember, ApplicationOutput, ChangeRequest, Grant
from core.models import AuditEvent
from notifications import contract
from notifications.enums import (
    NotificationsAuditAction,
    OnsChannel,
    OnsEventType,
    OnsNotificationStatus,
)
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome, PanelAuditAction, ProjectVote, ResearcherFit
from panel.models import ChangeConflictDeclaration, ChangeVote, Decision
from panel.rules import ChangeFacts, change_request_route

CR = ChangeRequestStatus
#: What approved change request m of row i changed: ``CHANGE_KINDS[(i + m) % 4]``.
CHANGE_KINDS = (ChangeKind.EXTENSION, ChangeKind.PURPOSE, ChangeKind.OUTPUTS, ChangeKind.DEPOSIT_ADD)
#: The closed change request on the grant in force of row i, by ``(b + p) % 5`` (none for 3 and 4).
CLOSED = {
    0: (CR.WITHDRAWN, ChangeKind.PURPOSE),
    1: (CR.REFUSED, ChangeKind.DEPOSIT_ADD),
    2: (CR.REJECTED, ChangeKind.PURPOSE),
}
REFUSAL = (
    "The change was refused automatically, without a decision, because the grant it would make "
    "conflicts with the use conditions of the data:\n- {deposit} may not be used by the commercial sector."
)


def chain_length(i: int) -> int:
    """How many grants approved row ``i`` has had (1 to 4; each once in four blocks of 20 rows)."""
    b, p = divmod(i, 20)
    return 1 + (b + p // 2 + 1) % 4


def in_force_status(i: int) -> str:
    b, p = divmod(i, 20)
    return GrantStatus.SUSPENDED if p == 18 and b % 3 == 0 else GrantStatus.LIVE


def closed_change(i: int) -> tuple[str, str] | None:
    """(status, kind) of the closed change request on row ``i``'s grant in force, if any."""
    b, p = divmod(i, 20)
    return CLOSED.get((b + p) % 5)


def open_change(i: int) -> tuple[str, str] | None:
    """(status, kind) of the open change request on row ``i``'s grant in force, if any."""
    b, p = divmod(i, 20)
    if b % 5 or p not in (0, 4, 9):
        return None
    if p == 0:
        return CR.SUBMITTED, ChangeKind.EXTENSION  # delegated to staff
    if p == 4:
        return CR.AWAITING_TEAM, ChangeKind.MEMBER_ADD  # the co-applicant it invites has not answered
    return CR.SUBMITTED, ChangeKind.PURPOSE if b % 10 == 0 else ChangeKind.OUTPUTS  # panel, or chair


def added_deposit_key(i: int, m: int) -> str:
    """The deposit change request ``m`` of row ``i`` adds (if it adds one): one the application
    does not request, and not a draft (the keys ending in 9 are drafts)."""
    have = set(app_deposit_keys(i))
    n = i + 10 * m + 1
    while deposit_key(n) in have or deposit_key(n).endswith("9"):
        n += 1
    return deposit_key(n)


def planned_changes(i: int) -> list[tuple[str, str]]:
    """(status, kind) of each change request of approved row ``i``, by number: one approved per
    grant after the first, then on a live grant in force the closed one and the open one."""
    changes = [(CR.APPROVED, CHANGE_KINDS[(i + m) % 4]) for m in range(1, chain_length(i))]
    if in_force_status(i) == GrantStatus.LIVE:
        changes += [change for change in (closed_change(i), open_change(i)) if change]
    return changes


def deposit_keys(indices) -> set[str]:
    """The deposits the change requests of these rows add (the series makes them first)."""
    return {
        added_deposit_key(i, number)
        for i in indices
        if STATUS_CYCLE[i % 20] == S.APPROVED
        for number, (_status, kind) in enumerate(planned_changes(i), start=1)
        if kind == ChangeKind.DEPOSIT_ADD
    }


def routing(kind: str):
    """Who decides a change of one ``kind``, and why, by the panel's own rule."""
    return change_request_route(
        ChangeFacts(kinds=frozenset({kind}), extension_within_limit=True, accreditations_valid=True)
    )


@dataclass
class _Chain:
    """One approved application's grants and change requests while they are made."""

    app: object
    decision: Decision
    i: int
    now: object  # the batch's clock
    grants: list = field(default_factory=list)
    deposits: list = field(default_factory=list)  # each grant's deposits
    issued: list = field(default_factory=list)  # when each grant was issued
    changes: list = field(default_factory=list)  # every change request, by number

    @property
    def length(self) -> int:
        return chain_length(self.i)

    @property
    def step(self) -> timedelta:
        """The time between two grants: the chain fits between the decision and now."""
        return (self.now - self.decision.decided_at) / (self.length + 2)


def grow_grants(decisions: list[Decision], deposits: dict, actors: Actors) -> list[AuditEvent]:
    """Grants, change requests, their panel rows, ONS events and outputs for the approving
    ``decisions`` of one batch (``deposits``: the batch's deposits by key, those the change
    requests add included); returns the audit events, to be written with the batch's."""
    return _GrantBatch(decisions, deposits, actors).make()


class _GrantBatch:
    def __init__(self, decisions: list[Decision], deposits: dict, actors: Actors):
        self.actors = actors
        self.deposits = deposits
        self.now = timezone.now()
        self.chains = []
        for decision in decisions:
            if decision.outcome == DecisionOutcome.REJECTED:
                continue
            app = decision.application
            self.chains.append(_Chain(app=app, decision=decision, i=app._bench[0], now=self.now))
        self.audit: list[AuditEvent] = []
        self.kinds: dict[int, str] = {}  # id(change request) -> what it changes
        self.added: dict[int, list] = {}  # id(change request) -> the deposits it adds

    def make(self) -> list[AuditEvent]:
        if not self.chains:
            return []
        prefetch_related_objects(list(self.deposits.values()), "srs_datasets")
        first = []
        for chain in self.chains:
            requested = [self.deposits[k] for k in app_deposit_keys(chain.i)]
            first.append(self._grant(chain, None, None, requested, chain.decision.decided_at))
        Grant.objects.bulk_create(first, batch_size=BATCH)
        for m in range(1, 4):  # grant m+1, issued by approved change request m on grant m
            growing = [c for c in self.chains if c.length > m]
            changes = [self._approved_change(c, m) for c in growing]
            ChangeRequest.objects.bulk_create(changes, batch_size=BATCH)
            grants = [self._next_grant(c, cr) for c, cr in zip(growing, changes, strict=True)]
            Grant.objects.bulk_create(grants, batch_size=BATCH)
        later = [cr for c in self.chains for cr in self._later_changes(c)]
        ChangeRequest.objects.bulk_create(later, batch_size=BATCH)
        self._links()
        self._panel_rows()
        self._invitations()
        self._ons_events()
        self._outputs()
        for chain in self.chains:
            for cr in chain.changes:
                self.audit += self._change_audit(chain, cr)
        return self.audit

    # --- grants -------------------------------------------------------------------------------

    def _grant(self, chain: _Chain, previous, change_request, deposits, issued) -> Grant:
        app, decision = chain.app, chain.decision
        number = len(chain.grants) + 1
        status = in_force_status(chain.i) if number == chain.length else GrantStatus.SUPERSEDED
        grant = Grant(
            reference=f"{app.reference}-G{number}",
            application=app,
            number=number,
            supersedes=previous,
            change_request=change_request,
            status=status,
            status_changed_at=None if status == GrantStatus.LIVE else issued + chain.step,
            status_reason=(
                f"{deposits[0].reference} ({deposits[0].title}) was suspended by the archive."
                if status == GrantStatus.SUSPENDED
                else ""
            ),
            team=decision.team if previous is None else previous.team,
            datasets=datasets_snapshot(deposits),
            purpose=app.research_questions if previous is None else previous.purpose,
            outputs_plan=app.outputs_plan if previous is None else previous.outputs_plan,
            access_start=decision.access_start,
            access_end=decision.access_end if previous is None else previous.access_end,
            conditions=decision.conditions,
        )
        chain.grants.append(grant)
        chain.deposits.append(list(deposits))
        chain.issued.append(issued)
        self.audit.append(
            audit_event(
                decision.decided_by if previous is None else change_request.decided_by,
                ApplicationsAuditAction.GRANT_ISSUED,
                app,
                {
                    "grant": grant.reference,
                    "supersedes": previous.reference if previous else None,
                    "change_request": change_request.reference if change_request else None,
                    "deposits": [d["reference"] for d in grant.datasets],
                    "access_end": grant.access_end.isoformat() if grant.access_end else None,
                },
            )
        )
        if status != GrantStatus.LIVE:
            self.audit.append(
                audit_event(
                    None,
                    ApplicationsAuditAction.GRANT_STATUS_CHANGED,
                    app,
                    {"grant": grant.reference, "from": GrantStatus.LIVE, "to": status},
                )
            )
        return grant

    def _approved_change(self, chain: _Chain, m: int) -> ChangeRequest:
        status, kind = planned_changes(chain.i)[m - 1]
        issued = chain.issued[m - 1]
        return self._change(chain, kind, status, issued + chain.step / 3, issued + chain.step)

    def _next_grant(self, chain: _Chain, cr: ChangeRequest) -> Grant:
        previous = chain.grants[-1]
        deposits = sorted([*chain.deposits[-1], *self.added.get(id(cr), [])], key=lambda d: d.reference)
        grant = self._grant(chain, previous, cr, deposits, cr.decided_at)
        grant.purpose = cr.purpose or previous.purpose
        grant.outputs_plan = cr.outputs_plan or previous.outputs_plan
        grant.access_end = cr.access_end or previous.access_end
        return grant

    # --- change requests ----------------------------------------------------------------------

    def _change(self, chain: _Chain, kind: str, status: str, submitted, closed) -> ChangeRequest:
        """A change request of one ``kind`` on the chain's last grant, as the services leave it in
        ``status`` (``submitted``: when it was submitted; ``closed``: decided, refused or withdrawn)."""
        app, grant = chain.app, chain.grants[-1]
        number = len(chain.changes) + 1
        route = routing(kind)
        # Routed once submitted, unless refused on submission; withdrawn while waiting for the
        # team (never submitted) or after routing, on alternate rows.
        routed = status in (CR.APPROVED, CR.REJECTED, CR.SUBMITTED) or (
            status == CR.WITHDRAWN and chain.i % 2
        )
        unsubmitted = status == CR.AWAITING_TEAM or (status == CR.WITHDRAWN and not routed)
        decided = status in (CR.APPROVED, CR.REJECTED)
        cr = ChangeRequest(
            reference=f"{app.reference}-C{number}",
            application=app,
            number=number,
            grant=grant,
            requested_by=app.lead,
            status=status,
            reason="The first results raised a question the project should answer within the grant.",
            purpose=f"{app.research_questions} How does attendance change after a move? ({number})"
            if kind == ChangeKind.PURPOSE
            else "",
            outputs_plan=f"{app.outputs_plan} A briefing for care leavers ({number})."
            if kind == ChangeKind.OUTPUTS
            else "",
            access_end=grant.access_end + timedelta(days=90) if kind == ChangeKind.EXTENSION else None,
            route=route.route if routed else "",
            route_reason=route.reason if routed else "",
            submitted_at=None if unsubmitted else submitted,
            voting_deadline=submitted + timedelta(days=14)
            if routed and route.route == ChangeRoute.PANEL
            else None,
            decided_at=closed if status in (CR.APPROVED, CR.REJECTED, CR.REFUSED) else None,
            decided_by=(self.actors.staff if route.route == ChangeRoute.STAFF else self.actors.chair)
            if decided
            else None,
            rationale="The change keeps to the approved purpose and to the data's conditions."
            if decided
            else "",
            withdrawn_at=closed if status == CR.WITHDRAWN else None,
        )
        self.kinds[id(cr)] = kind
        if kind == ChangeKind.DEPOSIT_ADD:
            added = self.deposits[added_deposit_key(chain.i, number)]
            self.added[id(cr)] = [added]
            if status == CR.REFUSED:
                cr.refusal_reason = REFUSAL.format(deposit=added.reference)
        chain.changes.append(cr)
        return cr

    def _later_changes(self, chain: _Chain) -> list[ChangeRequest]:
        """On the grant in force: the closed change request and the open one, if the row has them."""
        issued = chain.issued[-1]
        made = []
        for status, kind in planned_changes(chain.i)[chain.length - 1 :]:
            if status in CHANGE_REQUEST_OPEN:
                submitted, closed = self.now - timedelta(days=1 + chain.i % 5), None
            else:
                submitted, closed = issued + chain.step / 4, issued + chain.step / 2
            made.append(self._change(chain, kind, status, submitted, closed))
        return made

    def _links(self) -> None:
        grant_links = Grant.deposits.through
        change_links = ChangeRequest.deposits_added.through
        grant_links.objects.bulk_create(
            [
                grant_links(grant_id=grant.pk, deposit_id=deposit.pk)
                for chain in self.chains
                for grant, deposits in zip(chain.grants, chain.deposits, strict=True)
                for deposit in deposits
            ],
            batch_size=BATCH,
        )
        change_links.objects.bulk_create(
            [
                change_links(changerequest_id=cr.pk, deposit_id=deposit.pk)
                for chain in self.chains
                for cr in chain.changes
                for deposit in self.added.get(id(cr), [])
            ],
            batch_size=BATCH,
        )

    def _panel_rows(self) -> None:
        """On what went to the panel: the declarations and votes of three members (and the chair's
        declaration); the measured member declared on half of the open ones."""
        declarations, votes = [], []
        actors = self.actors
        for chain in self.chains:
            for cr in chain.changes:
                if cr.route != ChangeRoute.PANEL:
                    continue
                decided = cr.status in (CR.APPROVED, CR.REJECTED)
                voters = actors.voters if decided else actors.voters[:1]
                members = [actors.chair, *voters] if decided else list(voters)
                if cr.status == CR.SUBMITTED and chain.i % 40 < 20:
                    members.append(actors.member)
                declarations += [
                    ChangeConflictDeclaration(change_request=cr, member=u, has_conflict=False)
                    for u in members
                ]
                vote = ProjectVote.REJECT if cr.status == CR.REJECTED else ProjectVote.APPROVE
                votes += [
                    ChangeVote(
                        change_request=cr,
                        member=u,
                        project_vote=vote,
                        researcher_fit=ResearcherFit.SUITABLE,
                        project_comment="Proportionate, and within the approved purpose.",
                    )
                    for u in voters
                ]
        ChangeConflictDeclaration.objects.bulk_create(declarations, batch_size=BATCH)
        ChangeVote.objects.bulk_create(votes, batch_size=BATCH)

    def _invitations(self) -> None:
        """The co-applicant a change request waiting for its team invited (not yet answered)."""
        ApplicationMember.objects.bulk_create(
            [
                ApplicationMember(
                    application=chain.app,
                    email=f"change-invitee{chain.i}@example.org",
                    role=MemberRole.RESEARCHER,
                    status=MemberStatus.INVITED,
                    invited_by=chain.app.lead,
                    change_request=cr,
                )
                for chain in self.chains
                for cr in chain.changes
                if cr.status == CR.AWAITING_TEAM
            ],
            batch_size=BATCH,
        )

    def _change_audit(self, chain: _Chain, cr: ChangeRequest) -> list[AuditEvent]:
        app = chain.app
        events = [
            audit_event(
                app.lead,
                ApplicationsAuditAction.CHANGE_REQUESTED,
                app,
                {"change_request": cr.reference, "grant": cr.grant.reference, "invitations": []},
            )
        ]
        if cr.route:
            events.append(
                audit_event(
                    None,
                    PanelAuditAction.CHANGE_ROUTED,
                    app,
                    {"change_request": cr.reference, "route": cr.route, "reason": cr.route_reason},
                )
            )
        action = {
            CR.APPROVED: PanelAuditAction.CHANGE_DECIDED,
            CR.REJECTED: PanelAuditAction.CHANGE_DECIDED,
            CR.REFUSED: PanelAuditAction.CHANGE_REFUSED,
            CR.WITHDRAWN: ApplicationsAuditAction.CHANGE_WITHDRAWN,
        }.get(cr.status)
        if action:
            actor = app.lead if cr.status == CR.WITHDRAWN else cr.decided_by
            events.append(
                audit_event(
                    actor, action, app, {"change_request": cr.reference, "from": "submitted", "to": cr.status}
                )
            )
        return events

    # --- ONS and outputs ----------------------------------------------------------------------

    def _ons_events(self) -> None:
        """What ONS was told of each grant after the first (``access.amended`` or
        ``access.extended``, naming the grant it supersedes) and of each suspension, delivered."""
        notifications = []
        for chain in self.chains:
            app = chain.app
            sequence = 1  # the decision's approval
            for n, grant in enumerate(chain.grants):
                events = []
                if n:
                    previous = chain.grants[n - 1]
                    extended = self.kinds[id(grant.change_request)] == ChangeKind.EXTENSION
                    events.append((OnsEventType.EXTENDED if extended else OnsEventType.AMENDED, previous, []))
                if grant.status == GrantStatus.SUSPENDED:
                    events.append((OnsEventType.SUSPENDED, None, [grant.status_reason]))
                for event, previous, reasons in events:
                    sequence += 1
                    occurred = chain.issued[n] if event != OnsEventType.SUSPENDED else grant.status_changed_at
                    notifications.append(
                        OnsNotification(
                            message_id=uuid.uuid4(),
                            application=app,
                            grant=grant,
                            event_type=event,
                            channel=OnsChannel.WEBHOOK,
                            sequence=sequence,
                            target=WEBHOOK_TARGET,
                            payload=contract.payload_build(
                                event_type=event,
                                sequence=sequence,
                                occurred_at=occurred,
                                application_reference=app.reference,
                                ons_project_reference=app.ons_project_reference,
                                project_title=app.title,
                                team=grant.team,
                                datasets=contract.datasets_clean(grant.datasets),
                                outcome=event.removeprefix("access."),
                                conditions=grant.conditions,
                                access_start=grant.access_start,
                                access_end=grant.access_end,
                                reasons=reasons,
                                grant_reference=grant.reference,
                                supersedes_grant_reference=previous.reference if previous else "",
                                previous_access_end=previous.access_end
                                if event == OnsEventType.EXTENDED
                                else None,
                            ),
                            status=OnsNotificationStatus.DELIVERED,
                            attempts=1,
                            last_status_code=200,
                            delivered_at=occurred + timedelta(seconds=1),
                        )
                    )
                    self.audit.append(
                        audit_event(
                            None, NotificationsAuditAction.QUEUED, app, {"event": event, "sequence": sequence}
                        )
                    )
        delivered_notifications_create(notifications)

    def _outputs(self) -> None:
        """The measured researcher's approved projects each recorded an output (two on one in
        three), naming the data they used."""
        outputs, kinds = [], list(OutputKind.values)
        today = self.now.date()
        for chain in self.chains:
            if chain.i >= RESEARCHER_ROWS_MAX:
                continue
            for n in range(1 + (chain.i % 3 == 0)):
                kind = kinds[(chain.i + n) % len(kinds)]
                output = ApplicationOutput(
                    application=chain.app,
                    kind=kind,
                    title=f"{chain.app.title}: findings {n + 1}",
                    published_on=today - timedelta(days=1 + (chain.i + 40 * n) % 300),
                    doi=f"10.5555/bench.{chain.i}.{n}" if kind == OutputKind.PUBLICATION else "",
                    url=""
                    if kind == OutputKind.PUBLICATION
                    else f"https://example.org/outputs/{chain.i}-{n}",
                    citation="Researcher R, Researcher 0. Placement moves and school. 2026.",
                    recorded_by=self.actors.researcher,
                )
                output._bench_deposit = chain.deposits[0][0]
                outputs.append(output)
                self.audit.append(
                    audit_event(
                        self.actors.researcher,
                        ApplicationsAuditAction.OUTPUT_RECORDED,
                        chain.app,
                        {"output": output.title},
                    )
                )
        ApplicationOutput.objects.bulk_create(outputs, batch_size=BATCH)
        links = ApplicationOutput.deposits.through
        links.objects.bulk_create(
            [links(applicationoutput_id=o.pk, deposit_id=o._bench_deposit.pk) for o in outputs],
            batch_size=BATCH,
        )
