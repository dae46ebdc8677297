"""Issue a client of the read API and print its token, once: only its SHA-256 is kept."""

from django.core.management.base import BaseCommand, CommandError

from api.services import api_client_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API client (read-only) and print its token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who the client is, e.g. 'ONS SRS'.")

    def handle(self, *args, name: str, **options):
        try:
            client, token = api_client_create(name=name, actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created API client {client.name!r} (read-only). Its token, shown only now:")
        self.stdout.write(token)
