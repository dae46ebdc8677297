# Moves Revocation from the notifications app to the panel (beside the decision it ends) in Django's
# state only: the table keeps its name, notifications_revocation, so no row moves and no SQL runs.
# notifications 0002 then points OnsNotification.revocation here and forgets its own copy.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_one_line_text_policy"),
        ("notifications", "0001_initial"),
        ("panel", "0004_decision_team"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Revocation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("reason", models.TextField()),
                        ("revoked_at", models.DateTimeField()),
                        (
                            "application",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="revocation",
                                to="applications.application",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "notifications_revocation", "ordering": ["-revoked_at"]},
                ),
            ],
            database_operations=[],
        ),
    ]
