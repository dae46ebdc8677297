"""The panel's rules, its membership and the members' register of interests."""

from django.db import transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from accounts.services import user_change_role
from core.errors import DomainError, NotPermitted
from core.permissions import is_panel_member
from core.services import audit_record

from ..enums import (
    OutcomeRule,
    PanelAuditAction,
)
from ..models import (
    MemberInterest,
    PanelMembership,
    PanelRules,
)
from ..selectors import (
    membership_list_current,
    rules_current,
)
from ._common import _require_staff

# --- the panel's rules ---------------------------------------------------------------------------


@transaction.atomic
def panel_rules_update(*, actor: User, quorum: int, outcome_rule: str) -> PanelRules:
    """Staff change the quorum and the outcome rule. They apply to every recommendation from now on;
    each decision keeps a copy of the rules it was made under."""
    _require_staff(actor, "change the panel's rules")
    rules_current()  # makes sure the single row exists
    rules = PanelRules.objects.select_for_update().get(pk=PanelRules.SINGLETON_ID)
    if outcome_rule not in OutcomeRule.values:
        raise DomainError("Choose majority or unanimous.", field="outcome_rule")
    if quorum < 1:
        raise DomainError("The quorum is at least one vote.", field="quorum")
    members = membership_list_current().count()
    if quorum > members:
        raise DomainError(
            f"The panel has {members} current member{'s' if members != 1 else ''}: a quorum of {quorum} "
            "votes could never be met.",
            field="quorum",
        )
    before = rules.snapshot()
    if before == {"quorum": quorum, "outcome_rule": outcome_rule}:
        return rules
    rules.quorum, rules.outcome_rule = quorum, outcome_rule
    rules.full_clean()
    rules.save(update_fields=["quorum", "outcome_rule", "updated_at"])
    audit_record(
        actor=actor,
        action=PanelAuditAction.RULES_CHANGED,
        target=rules,
        data={"from": before, "to": rules.snapshot()},
    )
    return rules


# --- membership and interests --------------------------------------------------------------------


@transaction.atomic
def panel_member_add(*, actor: User, user: User, is_chair: bool = False) -> PanelMembership:
    """Staff put someone on the panel (as a member or a chair); their role follows."""
    _require_staff(actor, "change the panel's membership")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_portal_staff:
        raise DomainError("A member of staff cannot sit on the panel; use a separate account.")
    if not user.is_active:
        raise DomainError("This account is closed.")
    current = PanelMembership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    if current is not None:
        if current.is_chair == is_chair:
            raise DomainError(
                f"{user.get_full_name()} is already a panel {'chair' if is_chair else 'member'}."
            )
        current.is_chair = is_chair
        current.save(update_fields=["is_chair"])
        membership = current
        action = PanelAuditAction.MEMBER_CHAIR_CHANGED
    else:
        membership = PanelMembership.objects.create(user=user, is_chair=is_chair, added_by=actor)
        action = PanelAuditAction.MEMBER_ADDED
    user_change_role(actor=actor, user=user, role=Role.PANEL_CHAIR if is_chair else Role.PANEL_MEMBER)
    audit_record(actor=actor, action=action, target=membership, data={"user": user.pk, "is_chair": is_chair})
    return membership


@transaction.atomic
def panel_member_remove(*, actor: User, membership: PanelMembership) -> PanelMembership:
    """Staff end a membership; the person becomes a researcher again (the row is kept)."""
    _require_staff(actor, "change the panel's membership")
    membership = PanelMembership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.ended_at is not None:
        raise DomainError("This membership has already ended.")
    membership.ended_at = timezone.now()
    membership.ended_by = actor
    membership.save(update_fields=["ended_at", "ended_by"])
    user_change_role(actor=actor, user=membership.user, role=Role.RESEARCHER)
    audit_record(
        actor=actor,
        action=PanelAuditAction.MEMBER_ENDED,
        target=membership,
        data={"user": membership.user_id},
    )
    return membership


@transaction.atomic
def member_interest_declare(*, actor: User, member: User, description: str) -> MemberInterest:
    """A member records a standing interest (staff may record one on a member's behalf)."""
    if actor.pk != member.pk:
        _require_staff(actor, "record an interest for someone else")
    elif not is_panel_member(actor):
        raise NotPermitted("Only panel members declare interests.")
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the interest.", field="description")
    interest = MemberInterest.objects.create(member=member, description=description)
    audit_record(
        actor=actor, action=PanelAuditAction.INTEREST_DECLARED, target=interest, data={"member": member.pk}
    )
    return interest


@transaction.atomic
def member_interest_withdraw(*, actor: User, interest: MemberInterest) -> MemberInterest:
    interest = MemberInterest.objects.select_for_update().get(pk=interest.pk)
    if actor.pk != interest.member_id:
        _require_staff(actor, "withdraw someone else's interest")
    if interest.withdrawn_at is not None:
        return interest
    interest.withdrawn_at = timezone.now()
    interest.save(update_fields=["withdrawn_at"])
    audit_record(actor=actor, action=PanelAuditAction.INTEREST_WITHDRAWN, target=interest)
    return interest
