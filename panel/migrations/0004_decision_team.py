"""Each decision keeps the team it was made for (``Decision.team``): the accepted members, lead
first, with their name, email, organisation, sector, accreditation number and expiry, and role.
ONS notifications and the public register read it instead of the live profiles, so a profile
edited after the decision no longer rewrites what ONS is told or what the register shows.

Existing decisions are backfilled from the profiles as they are when this migration runs. That is
the best record available (the profiles at the time of those decisions were never kept), and it is
what ONS and the register showed until now, so nothing a reader sees changes today; from here on
each decision's team is frozen. Decisions are append-only (trigger of migration 0002), so the
backfill lifts the UPDATE refusal for this migration's transaction only
(``core.migration_operations.append_only_backfill``).

The backfill builds each snapshot as ``applications.selectors.application_team_snapshot`` did when
this migration was written, on the historical models: a migration must not call live code, which
may later read fields these models do not have yet."""

from collections import defaultdict

from django.db import migrations, models

from core.migration_operations import append_only_backfill


def backfill_team(apps, schema_editor):
    Decision = apps.get_model("panel", "Decision")
    ApplicationMember = apps.get_model("applications", "ApplicationMember")
    ResearcherProfile = apps.get_model("accounts", "ResearcherProfile")

    decisions = list(Decision.objects.only("pk", "application_id").order_by("pk"))
    if not decisions:
        return
    members = list(
        ApplicationMember.objects.filter(status="accepted", user__isnull=False, application__decision__isnull=False)
        .select_related("user")
        .order_by("application_id", "created_at", "pk")
    )
    profiles = {p.user_id: p for p in ResearcherProfile.objects.filter(user_id__in={m.user_id for m in members})}
    teams = defaultdict(list)
    for member in sorted(members, key=lambda m: (m.application_id, m.role != "lead", m.created_at, m.pk)):
        profile = profiles.get(member.user_id)
        expires = getattr(profile, "accreditation_expires_on", None)
        teams[member.application_id].append(
            {
                "role": member.role,
                "name": member.user.full_name,
                "email": member.user.email,
                "organisation": getattr(profile, "organisation", "") or "",
                "sector": getattr(profile, "sector", "") or "",
                "accreditation_number": getattr(profile, "accreditation_number", "") or "",
                "accreditation_expires_on": expires.isoformat() if expires else None,
            }
        )
    for decision in decisions:
        decision.team = teams.get(decision.application_id, [])
    Decision.objects.bulk_update(decisions, ["team"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_one_line_text_policy"),
        ("applications", "0005_one_line_text_policy"),
        ("panel", "0003_quorum_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="team",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "The accepted team when the decision was made, lead first: name, email, organisation, "
                    "sector, accreditation number and expiry, role (applications.selectors."
                    "application_team_snapshot). ONS and the public register read this, never the live "
                    "profiles."
                ),
            ),
        ),
        append_only_backfill("panel_decision", backfill_team, refusal="is immutable"),
    ]
