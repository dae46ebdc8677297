"""Two tabs, one submission; two researchers, two references. Real threads on real PostgreSQL."""

import threading

import pytest
from django.db import connection

from applications.enums import ApplicationStatus
from applications.models import Application, ApplicationVersion
from applications.services import application_create, application_submit
from core.errors import DomainError
from core.models import QueuedEmail
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import ApplicationFactory, complete_application

# The flush after these tests empties the database; core.reference_data restores the seeded rows.
pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = target(index)
        except Exception as exc:  # collected and checked by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_tabs_submitting_the_same_draft_make_one_submission():
    lead = ResearcherFactory()
    application = complete_application(ApplicationFactory(lead=lead))

    def submit(_index):
        # each tab loaded the draft before either submitted
        return application_submit(application=Application.objects.get(pk=application.pk), actor=lead)

    results = _run_together(submit, 2)
    succeeded = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(succeeded) == 1, results
    assert len(refused) == 1, results
    assert "not a draft" in refused[0].message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.version_number == 1
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert QueuedEmail.objects.filter(topic="applications/submitted").count() == 1


def test_references_are_unique_when_applications_are_created_at_once():
    leads = [ResearcherFactory() for _ in range(8)]
    results = _run_together(lambda i: application_create(lead=leads[i]).reference, 8)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 8
    numbers = sorted(int(r[-4:]) for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 8))
