# Grant 1 for every application approved before grants existed, from its Decision: the team the
# decision froze, the deposits requested (with their SRS identifiers now), the decided period and
# conditions; live, revoked or ended as the application is. Lives in the panel, which owns the
# Decision it reads (applications stays below panel). Works on SQLite and PostgreSQL.

from django.db import migrations

APPROVALS = ("approved", "approved_with_conditions")
GRANT_STATUS = {"approved": "live", "revoked": "revoked", "access_ended": "ended"}


def create_grants(apps, schema_editor):
    Decision = apps.get_model("panel", "Decision")
    Grant = apps.get_model("applications", "Grant")
    decisions = Decision.objects.filter(
        outcome__in=APPROVALS, application__status__in=list(GRANT_STATUS)
    ).select_related("application")
    for decision in decisions.iterator():
        application = decision.application
        if Grant.objects.filter(application=application).exists():
            continue
        deposits = list(application.deposits.order_by("reference").prefetch_related("srs_datasets"))
        grant = Grant.objects.create(
            reference=f"{application.reference}-G1",
            application=application,
            number=1,
            status=GRANT_STATUS[application.status],
            team=decision.team or [],
            datasets=[
                {
                    "reference": d.reference,
                    "title": d.title,
                    "srs_dataset_ids": sorted(s.dataset_id for s in d.srs_datasets.all()),
                }
                for d in deposits
            ],
            purpose=application.research_questions,
            outputs_plan=application.outputs_plan,
            access_start=decision.access_start or application.access_start,
            access_end=decision.access_end or application.access_end,
            conditions=decision.conditions,
        )
        grant.deposits.set(deposits)
        Grant.objects.filter(pk=grant.pk).update(created_at=decision.decided_at)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_grants_and_change_requests"),
        ("deposits", "0005_one_line_text_policy"),
        ("panel", "0006_change_request_conflicts_and_votes"),
    ]

    operations = [migrations.RunPython(create_grants, migrations.RunPython.noop)]
