"""Reference data every database of the portal needs (the controlled list of sensitive uses, the
public information pages, the panel's rules row). Data migrations seed it; the same functions also
run on every ``post_migrate`` signal, which Django sends after ``migrate`` and after ``flush``, so a
database emptied by a flush (the test runner's transactional tests, an operator's reset) gets it
back. Each seed function only creates what is missing and never changes what staff edited."""

from importlib import import_module

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def restore_after_migrate(app_config: AppConfig, migration: str, function: str = "seed") -> None:
    """Run ``<app>.migrations.<migration>.<function>(apps, None)`` after every migrate or flush."""
    module_path = f"{app_config.name}.migrations.{migration}"

    def _restore(sender, apps=None, **kwargs) -> None:
        registry = apps or global_apps
        try:
            registry.get_app_config(app_config.label)
        except LookupError:  # migrated back to zero: the tables are gone
            return
        getattr(import_module(module_path), function)(registry, None)

    post_migrate.connect(
        _restore, sender=app_config, weak=False, dispatch_uid=f"reference-data:{module_path}.{function}"
    )
