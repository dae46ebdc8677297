"""The controlled list of sensitive uses that deposits exclude and applications declare. Staff can
extend it in the portal; this seeds the categories the charity's participants were told about."""

from django.db import migrations

SENSITIVE_USES = [
    (
        "commercial",
        "Commercial or for-profit use",
        "Use by or for an organisation that will profit from the results, or to build a commercial product.",
    ),
    (
        "recontact",
        "Re-contacting participants",
        "Any attempt to contact participants, their families or carers again.",
    ),
    (
        "identifiable_linkage",
        "Linking to identifiable data",
        "Linking the data to other records that identify people, beyond the SRS's own de-identified linkage.",
    ),
    (
        "identify_placements",
        "Identifying placements or providers",
        "Naming or singling out individual foster placements, children's homes, local authorities or providers.",
    ),
    (
        "criminal_justice",
        "Criminal-justice use",
        "Use by or for police, prosecution, probation or youth justice purposes about individuals.",
    ),
    (
        "immigration_enforcement",
        "Immigration enforcement",
        "Use to support immigration control or enforcement.",
    ),
]


def seed(apps, schema_editor):
    SensitiveUse = apps.get_model("deposits", "SensitiveUse")
    for code, name, description in SENSITIVE_USES:
        SensitiveUse.objects.get_or_create(code=code, defaults={"name": name, "description": description})


def unseed(apps, schema_editor):
    SensitiveUse = apps.get_model("deposits", "SensitiveUse")
    SensitiveUse.objects.filter(code__in=[code for code, _, _ in SENSITIVE_USES]).delete()


class Migration(migrations.Migration):
    dependencies = [("deposits", "0002_deposit_record_governance_history")]

    operations = [migrations.RunPython(seed, unseed)]
