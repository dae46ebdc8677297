"""Write the published JSON Schema of every ONS event (notifications.contract.EVENT_SCHEMAS) to
docs/ons-schemas/, or check that the files there are current (the suite does)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.contract import EVENT_SCHEMAS, schema_file_name

FOLDER = Path(settings.BASE_DIR) / "docs" / "ons-schemas"


def schema_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the JSON Schema of each ONS event to docs/ons-schemas/ (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if a file differs; write nothing.")

    def handle(self, *args, check: bool = False, **options):
        stale = []
        for event_type, schema in EVENT_SCHEMAS.items():
            path = FOLDER / schema_file_name(event_type)
            text = schema_text(schema)
            if path.exists() and path.read_text() == text:
                continue
            stale.append(path.name)
            if not check:
                FOLDER.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
        if check and stale:
            raise CommandError(f"Out of date (run manage.py ons_schemas): {', '.join(stale)}")
        if not stale:
            self.stdout.write("The schemas in docs/ons-schemas/ are current.")
