import importlib

import pytest


@pytest.fixture(autouse=True)
def _info_pages_seeded(db):
    """The information pages come from a data migration. A transactional test (here or elsewhere)
    flushes the database after itself; seed them again then, with the migration's own function.
    (serialized_rollback is not used: after another transactional test's flush has re-created the
    content types, restoring the serialized copy fails on duplicates.)"""
    from django.apps import apps

    from transparency.models import InfoPage

    if InfoPage.objects.count() < 4:
        migration = importlib.import_module("transparency.migrations.0002_seed_info_pages")
        migration.seed(apps, None)
