import importlib

import pytest


@pytest.fixture(autouse=True)
def _info_pages_seeded(db):
    """The information pages come from a data migration. A transactional test elsewhere flushes the
    database after itself; seed them again then, with the migration's own function."""
    from django.apps import apps

    from transparency.models import InfoPage

    if InfoPage.objects.count() < 4:
        migration = importlib.import_module("transparency.migrations.0002_seed_info_pages")
        migration.seed(apps, None)
