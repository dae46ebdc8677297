"""The one-line text policy (issue 14, items 5 and 8): titles, names, organisations and document
names hold one line of visible text, refused where a person typed them, cleaned where the system
wrote them; email subjects cannot be broken by what a title holds."""

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from applications.services import application_submit
from core.errors import DomainError
from core.migration_operations import one_line_clean_fields
from core.models import QueuedEmail
from core.services import queued_email_send
from core.text import one_line_checked, one_line_clean, one_line_normalise, one_line_validate
from deposits.models import Deposit
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import PDF_BYTES, AvailableDepositFactory
from tests.security.forms import post_forms

pytestmark = pytest.mark.django_db

#: Each class of character the policy refuses, with a value that hides it.
REFUSED = {
    "carriage return": "University of Leeds\r- Mallory",
    "line feed": "University of Leeds\n- Mallory Evil <mallory@evil.example>",
    "crlf": "University of Leeds\r\n- Mallory",
    "tab": "School\tmoves",
    "nul": "School\x00moves",
    "line separator": "School\u2028moves",
    "right-to-left override": "School moves \u202esevom",
    "isolate": "\u2066School\u2069 moves",
    "zero-width space": "School\u200b moves",
    "zero-width joiner": "School\u200dmoves",
    "word joiner": "School\u2060moves",
    "byte order mark": "\ufeffSchool moves",
    "soft hyphen": "Sch\u00adool moves",
    "hangul filler": "School\u3164moves",
    "braille blank": "School\u2800moves",
    "private use": "School\ue000moves",
}
ACCEPTED = [
    "Siân O'Brien",
    "مرحبا بالعالم",
    "שלום עולם",
    "Zoë & Łukasz \u2014 😀",
    "東京大学",
    "Moving On (16\u201325)",
]


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_one_line_validate_refuses_invisible_and_control_characters(value):
    with pytest.raises(ValidationError) as refused:
        one_line_validate(one_line_normalise(value))
    assert "one line of visible text" in refused.value.messages[0]
    assert "character" in refused.value.messages[0]


@pytest.mark.parametrize("value", ACCEPTED)
def test_one_line_validate_accepts_every_script_and_visible_symbol(value):
    one_line_validate(one_line_normalise(value))


def test_the_refusal_names_the_character_and_where_it_is():
    with pytest.raises(ValidationError) as refused:
        one_line_validate("ab\u200bc")
    assert "U+200B ZERO WIDTH SPACE" in refused.value.messages[0]
    assert "character 3" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        one_line_validate("ab\r\nc")
    assert "a line break" in refused.value.messages[0]


def test_normalise_composes_and_collapses_spaces():
    assert one_line_normalise("  Cafe\u0301\u00a0\u3000 Society ") == "Café Society"


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_one_line_clean_leaves_only_visible_text(value):
    cleaned = one_line_clean(value)
    one_line_validate(cleaned)
    assert cleaned.startswith(("University", "School", "Sch"))


def test_one_line_checked_raises_a_domain_error_naming_the_field():
    with pytest.raises(DomainError) as refused:
        one_line_checked("Evil\r\nBcc: x@evil.example", field="full_name")
    assert refused.value.field == "full_name"
    assert one_line_checked("  Ada   Lovelace ", field="full_name") == "Ada Lovelace"


def _form_fields(html: str, path: str, field: str) -> dict:
    """The values a browser would send from the page's form that holds ``field``."""
    for form in post_forms(html, path):
        sent = form.as_sent()
        if field in sent:
            return {name: values[0] if len(values) == 1 else values for name, values in sent.items()}
    raise AssertionError(f"no form on {path} has a {field} field")


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_the_profile_form_refuses_an_organisation_that_is_not_one_line(client_for, researcher, value):
    client = client_for(researcher)
    path = reverse("accounts:profile")
    body = _form_fields(client.get(path).content.decode(), path, "organisation")
    body["organisation"] = value
    response = client.post(path, body)
    assert response.status_code == 200
    assert "one line of visible text" in response.content.decode()
    researcher.researcher_profile.refresh_from_db()
    assert researcher.researcher_profile.organisation != value


@pytest.mark.parametrize("value", ["Care\u200b leavers", "Care leavers \u202esrevael", "Care\r\nleavers"])
def test_the_start_form_refuses_a_title_that_is_not_one_line(client_for, researcher, value):
    client = client_for(researcher)
    path = reverse("applications:create")
    body = _form_fields(client.get(path).content.decode(), path, "title")
    body["title"] = value
    response = client.post(path, body)
    assert response.status_code == 200
    assert "one line of visible text" in response.content.decode()
    assert not Application.objects.filter(lead=researcher).exists()


def test_the_start_form_stores_a_title_composed_and_with_single_spaces(client_for, researcher):
    client = client_for(researcher)
    path = reverse("applications:create")
    body = _form_fields(client.get(path).content.decode(), path, "title")
    body["title"] = "  Cafe\u0301   culture\u00a0study "
    assert client.post(path, body).status_code == 302
    assert Application.objects.get(lead=researcher).title == "Café culture study"


def test_the_sign_up_form_refuses_a_name_with_a_bidi_override(client):
    path = reverse("accounts:sign_up")
    body = _form_fields(client.get(path).content.decode(), path, "full_name")
    body.update(
        full_name="Ada \u202eecalevol",
        email="ada@example.org",
        password1="Correct-Horse-Battery-9",
        password2="Correct-Horse-Battery-9",
    )
    response = client.post(path, body)
    assert response.status_code == 200
    assert "one line of visible text" in response.content.decode()
    assert not User.objects.filter(email="ada@example.org").exists()


def test_the_deposit_form_refuses_a_title_with_a_zero_width_space(client_for, staff):
    client = client_for(staff)
    path = reverse("deposits:staff_create")
    body = _form_fields(client.get(path).content.decode(), path, "title")
    body["title"] = "Moving\u200b On"
    before = Deposit.objects.count()
    response = client.post(path, body)
    assert response.status_code == 200
    assert "one line of visible text" in response.content.decode()
    assert Deposit.objects.count() == before


def test_an_uploaded_file_name_is_cleaned_not_refused(client_for, researcher, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = ApplicationFactory(lead=researcher)
    client = client_for(researcher)
    path = reverse("applications:attachment_add", kwargs={"pk": application.pk})
    upload = SimpleUploadedFile("ethics\u202efdp.exe\u200b.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(path, {"description": "Ethics approval", "file": upload})
    assert response.status_code == 302
    attachment = application.attachments.get()
    one_line_validate(attachment.original_name)
    assert attachment.original_name == "ethicsfdp.exe.pdf"


def test_a_carriage_return_in_a_stored_title_cannot_stop_the_submitted_email(
    researcher, django_capture_on_commit_callbacks
):
    """A title written before the policy (or by a path that skipped it) holds a bare CR: the
    "submitted" email is still sent, with a one-line subject (it failed with BadHeaderError)."""
    application = complete_application(ApplicationFactory(lead=researcher))
    Application.objects.filter(pk=application.pk).update(title="School moves\rBcc: x@evil.example")
    application.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, actor=researcher)
    queued = QueuedEmail.objects.filter(subject__contains="submitted")
    assert queued.exists()
    for email in queued:
        assert "\r" not in email.subject
        assert "\n" not in email.subject
        queued_email_send(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == "sent", email.last_error
    assert any("School moves Bcc: x@evil.example" in message.subject for message in mail.outbox)


def test_the_migration_cleans_titles_already_stored():
    deposit = AvailableDepositFactory()
    Deposit.objects.filter(pk=deposit.pk).update(title="Moving\u200b On\r\n", institution="\u202eUCL")
    operation = one_line_clean_fields("deposits.Deposit", "title", "institution")
    with connection.schema_editor(atomic=True) as editor:
        operation.code(django_apps, editor)
    deposit.refresh_from_db()
    assert (deposit.title, deposit.institution) == ("Moving On", "UCL")


@pytest.mark.parametrize(
    "value",
    [
        "Dr Nia Adeyemi",
        "  two  spaces  ",
        "a\tb",
        "x\r\ny",
        "\x00nul",
        "~!@#$%^&*()_+`{}|:<>?",
        " ",
        "ok\x7f",
    ],
)
def test_one_line_clean_takes_a_shortcut_for_printable_ascii_that_gives_the_same_result(value):
    """Issue 19: the read API cleans every name and title it sends; printable ASCII (most of them)
    skips the per-character check, with the result of the full path."""
    import unicodedata

    from core.text import WORD_SEPARATORS, one_line_forbidden, one_line_normalise

    full = one_line_normalise(
        "".join(
            " " if c in WORD_SEPARATORS else c
            for c in unicodedata.normalize("NFC", value)
            if c in WORD_SEPARATORS or not one_line_forbidden(c)
        )
    )
    assert one_line_clean(value) == full
