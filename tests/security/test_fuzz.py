"""Fuzzing every form of the portal (issue 7, acceptance 5).

Hypothesis posts random and hostile values (very long strings, unicode with RTL marks and emoji, NUL
bytes, HTML/JS, SQL fragments, numbers and dates that are wrong or huge, several values for one
field, missing fields, extra fields, uploads that are not PDFs) to each form, as the role that uses
it, and asserts that no request fails with a server error (the test client re-raises any exception a
view lets through) and that nothing sent comes back as markup: neither the answer, nor, when the post
was accepted, the page it leads to; when the accepted values carried markup, also the pages that
show them (``SHOWN_ON``) and the audit log that recorded them.

Each form starts from the values a person would leave in it (read from the rendered page), then
hypothesis replaces, drops or multiplies some of them, so that many examples pass validation and are
stored. Every example runs in its own savepoint and is rolled back; the rate-limit cache is cleared
before each.

The forms come from ``FUZZ_FORMS``, a hand-kept list that ``test_every_rendered_form_is_fuzzed``
checks against every page of the access matrix: a new form on any page fails that test until it is
listed here. Examples per form: the ``ci`` profile (the default) runs 150 for a form with a field a
person types into and a quarter of that for one with only buttons, choices, boxes and dates; set
``HYPOTHESIS_PROFILE=dev`` for a quick 25; ``HYPOTHESIS_PROFILE=deep`` runs 1,000.
"""

import copy
import functools
import os
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.text import BLANK_LOOKALIKES, FORBIDDEN_CATEGORIES, OneLineCharField, one_line_forbidden
from tests.factories.deposits import PDF_BYTES
from tests.security import test_access_matrix as matrix_tests
from tests.security.forms import Field, executable_markup, post_forms
from tests.security.matrix import ROLES, fingerprint
from tests.security.test_access_matrix import EXPECTED, path_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _sessions_outlast_the_module():
    """The world's sessions are made once, and every fuzzed request is rolled back, session save
    included, so their idle expiry (SESSION_COOKIE_AGE, 30 minutes) never moves: on a busy machine the
    forms fuzzed last met a signed-out client. Here (autouse, so before the world is built) they live
    as long as the module does; tests/security/test_sessions.py covers the expiry itself."""
    with override_settings(SESSION_COOKIE_AGE=24 * 60 * 60):
        yield


# The access matrix's world (module-scoped, rolled back at the end) and its signed-in clients.
_private_media = matrix_tests._private_media
_module_world = matrix_tests._module_world
world = matrix_tests.world
clients = matrix_tests.clients

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("dev", settings.get_profile("ci"), max_examples=25)
settings.register_profile("deep", settings.get_profile("ci"), max_examples=1000)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

MARK = "xss0"
HOSTILE = [
    f"<script>{MARK}()</script>",
    f'"><script>{MARK}()</script>',
    f"'><img src=x onerror={MARK}()>",
    f"<svg/onload={MARK}()>",
    f"javascript:{MARK}()",
    f"[click](javascript:{MARK}())",
    f"<a href='javascript:{MARK}()'>x</a>",
    f"<iframe src=javascript:{MARK}()>",
    "'; DROP TABLE accounts_user; --",
    "' OR '1'='1' --",
    "1); SELECT pg_sleep(0); --",
    "\x00",
    "a\x00b",
    "\u202eevil.exe\u202c",
    "Care\u200b leavers",  # zero-width space: looks like "Care leavers"
    "\u2066Care leavers\u2069 \u202esrevael",  # bidi isolate and override
    "Care\u3164leavers\u2800",  # blank look-alike letters
    "\ufeffCare\u2060leavers\u00ad",
    "Leeds\r\n- Mallory Evil <mallory@evil.example>, Evil Corp",  # a second line for ONS's instructions
    "Title\rBcc: victim@example.org",  # a bare CR for an email header
    "line\u2028separator\u2029",
    "مرحبا بالعالم",
    "שלום עולם",
    "😀" * 64,
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "31/12/2026",
    "",
    " ",
    "\t\r\n",
    "%s%n%x",
    "{{ 7|add:7 }}{% debug %}",
    "../../../etc/passwd",
    "A" * 100_000,
]
#: Visible text with characters the one-line policy forbids hidden inside (drawn from the policy's
#: own categories and look-alikes, so a character added to the policy is fuzzed too).
HIDDEN = st.builds(
    lambda before, hidden, after: before + hidden + after,
    st.text(st.characters(categories=("L", "N", "Zs")), max_size=20),
    st.text(
        st.characters(categories=sorted(FORBIDDEN_CATEGORIES - {"Cs", "Cn"}))
        | st.sampled_from(sorted(BLANK_LOOKALIKES)),
        min_size=1,
        max_size=3,
    ),
    st.text(st.characters(categories=("L", "N")), max_size=20),
)
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    HIDDEN,
    st.text(max_size=300),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3),  # one field, several values
)
UPLOADS = st.builds(
    lambda name, content: SimpleUploadedFile(name, content, content_type="application/pdf"),
    st.sampled_from(
        ["ethics.pdf", "../../evil.pdf", "a" * 300 + ".pdf", "evil.exe", f"<script>{MARK}</script>.pdf"]
    ),
    st.one_of(
        st.sampled_from(
            [
                b"MZ\x90\x00\x03",
                f"<html><script>{MARK}()</script></html>".encode(),
                b"",
                b"%PDF-1.4 truncated",
            ]
        ),
        st.binary(max_size=2048),
    ),
)

#: Every form, by the URL it posts to: (the role that uses it, the page that shows it, fields to add
#: where the world's state does not render the form, e.g. a decision while voting is still open).
FUZZ_FORMS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "accounts:login": ("anonymous", "accounts:login", ()),
    "accounts:sign_up": ("anonymous", "accounts:sign_up", ()),
    "accounts:password_reset": ("anonymous", "accounts:password_reset", ()),
    "accounts:password_reset_confirm": ("reset_link", None, ("new_password1", "new_password2")),
    "accounts:two_factor_verify": ("half_signed_in", None, ("code",)),
    "accounts:logout": ("team", "core:home", ()),
    "accounts:password_change": ("team", "accounts:password_change", ()),
    "accounts:reauthenticate": ("member", "accounts:reauthenticate", ()),
    "accounts:email_change": ("team", "accounts:email_change", ()),
    "accounts:two_factor_enrol": ("team", "accounts:two_factor_enrol", ()),
    "accounts:two_factor_remove": ("team", None, ()),
    "accounts:recovery_codes_regenerate": ("member", "accounts:security", ()),
    "accounts:profile": ("team", "accounts:profile", ()),
    "accounts:staff_invite": ("staff", "accounts:staff_invite", ()),
    "accounts:staff_role_change": ("staff", "accounts:staff_role_change", ()),
    "accounts:staff_two_factor_reset": ("staff", "accounts:staff_two_factor_reset", ()),
    "accounts:staff_lockout_clear": ("staff", "accounts:staff_lockouts", ()),
    "deposits:staff_create": ("staff", "deposits:staff_create", ()),
    "deposits:staff_edit": ("staff", "deposits:staff_edit", ()),
    "deposits:staff_document_add": ("staff", "deposits:staff_document_add", ()),
    "deposits:staff_status": ("staff", "deposits:staff_status", ()),
    "deposits:staff_approve": ("staff", None, ("privacy_notice_checked", "dpia_checked", "note")),
    "deposits:staff_change_approve": ("staff", None, ("privacy_notice_checked", "dpia_checked", "note")),
    "deposits:staff_change_reject": ("staff", None, ("note",)),
    "deposits:staff_sensitive_use_create": ("staff", "deposits:staff_sensitive_use_create", ()),
    "deposits:staff_sensitive_use_edit": ("staff", "deposits:staff_sensitive_use_edit", ()),
    "applications:create": ("team", "applications:create", ()),
    "applications:invitation": ("team", "applications:invitation", ("decision",)),
    "applications:section": ("team", "applications:section", ()),
    "applications:member_invite": ("team", "applications:member_invite", ()),
    "applications:member_remove": ("team", None, ()),
    "applications:attachment_add": ("team", "applications:attachment_add", ()),
    "applications:attachment_remove": ("team", "applications:section", ()),
    "applications:submit": ("team", "applications:submit", ()),
    "applications:resubmit": ("team", None, ()),
    "applications:withdraw": ("team", "applications:withdraw", ()),
    "applications:query_answer": ("team", "applications:query_answer", ()),
    "applications:ons_reference": ("team", "applications:ons_reference", ()),
    "applications:terms_accept": ("team", "applications:terms_accept", ()),
    "applications:output_add": ("team", "applications:output_add", ()),
    "applications:output_edit": ("team", "applications:output_edit", ()),
    "applications:output_remove": ("team", "applications:outputs", ()),
    "applications:report": ("team", "applications:report", ()),
    "applications:close": ("team", "applications:close", ()),
    "applications:change_request_create": ("team", "applications:change_request_create", ()),
    "applications:change_request_withdraw": ("team", "applications:change_request", ()),
    "applications:grant_resume": ("staff", "applications:grant_resume", ()),
    "panel:change_declare": ("member", "panel:change_declare", ()),
    "panel:change_vote": ("member", "panel:change_review", ()),
    "panel:change_decide": ("chair", "panel:change_decide", ()),
    "panel:staff_change_request": ("staff", "panel:staff_change_request", ()),
    "panel:declare": ("member", "panel:declare", ()),
    "panel:vote": ("member", "panel:vote", ()),
    "panel:decide": (
        "chair",
        None,
        ("outcome", "rationale", "public_rationale", "conditions", "access_end", "departure_reason"),
    ),
    "panel:query": ("chair", "panel:query", ()),
    "panel:interests": ("member", "panel:interests", ()),
    "panel:interest_withdraw": ("member", "panel:interests", ()),
    "panel:staff_application": ("staff", None, ("voting_deadline",)),
    "panel:staff_members": ("staff", "panel:staff_members", ()),
    "panel:staff_rules": ("staff", "panel:staff_rules", ()),
    "panel:staff_member_end": ("staff", "panel:staff_members", ()),
    "panel:staff_member_chair": ("staff", "panel:staff_members", ()),
    "notifications:resend": ("staff", None, ()),
    "notifications:revoke": ("staff", "notifications:revoke", ()),
    "transparency:page_edit": ("staff", "transparency:page_edit", ()),
    "terms:staff_publish": ("staff", "terms:staff_publish", ()),
    "api:client_revoke": ("staff", "api:clients", ()),
}

#: Pages (URL name, role) where what a form stored is shown, besides the page it redirects to.
SHOWN_ON = {
    "transparency:page_edit": [
        ("transparency:page", "anonymous"),
        ("transparency:page_history", "anonymous"),
    ],
    "applications:section": [("applications:detail", "team")],
    "applications:ons_reference": [("applications:detail", "team")],
    "terms:staff_publish": [("terms:current", "anonymous"), ("terms:staff_list", "staff")],
    "applications:output_add": [
        ("transparency:register_detail", "anonymous"),
        ("deposits:detail", "anonymous"),
    ],
    "applications:output_edit": [
        ("transparency:register_detail", "anonymous"),
        ("deposits:detail", "anonymous"),
    ],
    "applications:report": [("applications:report", "team")],
    "panel:interests": [("panel:interest_register", "chair")],
    "deposits:staff_edit": [("deposits:detail", "anonymous")],
    "accounts:staff_invite": [("accounts:staff_users", "staff")],
    "accounts:profile": [("accounts:profile", "team")],
}
AUDIT_LOG = ("core:audit_log", "staff")


def assert_no_markup(html: str, where: str) -> None:
    found = executable_markup(html, MARK)
    assert not found, f"{where}: hostile input rendered as markup: {found}"


@dataclass
class Target:
    client: Client
    path: str
    fields: dict[str, Field]


def _extra_clients(world) -> dict[str, tuple[Client, str | None]]:
    """Clients no matrix role gives: half signed in (password, no code yet) and holding a valid
    password-reset link (the page the link leads to)."""
    from tests.security.otp import totp_device_for

    half = Client()
    member = world.users["member"]
    totp_device_for(member)
    half.force_login(member)
    reset = Client()
    team = world.users["team"]
    link = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(team.pk)),
            "token": default_token_generator.make_token(team),
        },
    )
    response = reset.get(link)
    return {
        "half_signed_in": (half, reverse("accounts:two_factor_verify")),
        "reset_link": (reset, response.url),
    }


def _button_path(name: str, world) -> str:
    """The target of a form found on another page (a button), or one the world does not show."""
    return path_for(name, world)


def target_for(name: str, world, clients) -> Target:
    role, page, extra = FUZZ_FORMS[name]
    if role in ("half_signed_in", "reset_link"):
        client, path = _extra_clients(world)[role]
    else:
        client, path = clients[role], _button_path(name, world)
    fields: dict[str, Field] = {}
    if page is not None:
        page_path = path_for(page, world)
        response = client.get(page_path)
        assert response.status_code == 200, f"{page} as {role}: {response.status_code}"
        forms = [
            form for form in post_forms(response.content.decode(), page_path) if form.target_name == name
        ]
        assert forms, f"no form posting to {name} on {page} as {role}"
        fields = forms[0].fields
        path = forms[0].action
    for field_name in extra:
        fields.setdefault(field_name, Field(field_name, "text"))
    return Target(client, path, fields)


@st.composite
def bodies(draw, fields: dict[str, Field]):
    """The form as a person would fill it, then some fields replaced, dropped or multiplied."""
    body = {}
    for name, field in fields.items():
        action = draw(st.sampled_from(["keep", "keep", "hostile", "hostile", "drop"]))
        if action == "drop":
            continue
        if field.kind == "file":
            body[name] = draw(UPLOADS) if action == "hostile" else SimpleUploadedFile("ok.pdf", PDF_BYTES)
            continue
        value = draw(VALUES) if action == "hostile" else field.plain()
        if value is not None:
            body[name] = value
    if draw(st.booleans()):
        body[draw(st.sampled_from(["id", "pk", "status", "role", "is_staff", "lead", "user"]))] = draw(VALUES)
    return body


def sent_text(body: dict) -> str:
    """Every character the body sends, as one string."""
    return "".join(v if isinstance(v, str) else "".join(map(str, v)) for v in body.values() if v is not None)


@functools.cache
def one_line_fields() -> list[tuple[type, list[str]]]:
    """Every model with one-line fields (core.text's policy), with those fields' names."""
    found = []
    for model in django_apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, OneLineCharField)]
        if names:
            found.append((model, names))
    return found


def assert_one_line_fields_clean(name: str) -> None:
    """After an accepted post that sent forbidden characters: no one-line field anywhere holds one."""
    for model, names in one_line_fields():
        for row in model._default_manager.values_list("pk", *names):
            for field, value in zip(names, row[1:], strict=True):
                bad = [c for c in value or "" if one_line_forbidden(c)]
                assert not bad, f"{name}: {model.__name__}.{field} of {row[0]} holds {bad!r}"


def post_and_look(target: Target, body: dict, name: str, world, clients) -> None:
    cache.clear()
    cookies = target.client.cookies
    target.client.cookies = copy.deepcopy(cookies)
    try:
        with transaction.atomic():
            response = target.client.post(target.path, body)
            assert response.status_code < 500, f"{name}: {response.status_code}"
            if "html" in response.get("Content-Type", ""):
                assert_no_markup(response.content.decode(), f"{name} answer")
            if response.status_code in (302, 303) and any(map(one_line_forbidden, sent_text(body))):
                assert_one_line_fields_clean(name)
            if response.status_code in (302, 303) and response.url.startswith("/"):
                shown = [(response.url, target.client)]
                if MARK in repr(body):  # markup went in and was accepted: look wherever it is shown
                    shown += [(path_for(page, world), clients[role]) for page, role in SHOWN_ON.get(name, [])]
                    shown.append((reverse(AUDIT_LOG[0]), clients[AUDIT_LOG[1]]))
                for path, client in shown:
                    page = client.get(path)
                    assert page.status_code < 500, f"{name} then {path}: {page.status_code}"
                    if "html" in page.get("Content-Type", ""):
                        assert_no_markup(page.content.decode(), f"{name} then {path}")
            transaction.set_rollback(True)
    finally:
        target.client.cookies = cookies


#: Field kinds a person types into. A form with none (buttons, choices, boxes, dates) has far fewer
#: distinct inputs, so it gets FEW_EXAMPLES of the profile's examples (hostile values still go into
#: every hidden field, choice and date).
TYPED_KINDS = {"text", "textarea", "email", "search", "url", "tel", "password", ""}
FEW_EXAMPLES = 0.25


def examples_for(target: Target) -> int:
    typed = any(field.kind in TYPED_KINDS for field in target.fields.values())
    return PROFILE.max_examples if typed else max(10, int(PROFILE.max_examples * FEW_EXAMPLES))


@pytest.mark.parametrize("name", sorted(FUZZ_FORMS))
def test_fuzz_form(name, world, clients):
    target = target_for(name, world, clients)

    @settings(PROFILE, max_examples=examples_for(target))
    @given(body=bodies(target.fields))
    def fuzz(body):
        post_and_look(target, body, name, world, clients)

    fuzz()


def test_every_rendered_form_is_fuzzed(world, clients):
    """Every POST form on every page the matrix opens (as each role that opens it) is listed."""
    found = {}
    for name, row in EXPECTED.items():
        path = path_for(name, world)
        for role, token in zip(ROLES, row.get.split(), strict=True):
            if token != "200":
                continue
            response = clients[role].get(path)
            if "html" not in response.get("Content-Type", ""):
                continue
            for form in post_forms(response.content.decode(), path):
                found.setdefault(form.target_name, f"{name} as {role}")
    missing = {target: page for target, page in found.items() if target not in FUZZ_FORMS}
    assert not missing, f"forms not in FUZZ_FORMS (tests/security/test_fuzz.py): {missing}"
    assert None not in found, "a form posts to a URL outside the resolver"


def test_the_markup_check_catches_an_unescaped_script():
    with pytest.raises(AssertionError):
        assert_no_markup(f"<p>Hello</p><script>{MARK}()</script>", "example")
    with pytest.raises(AssertionError):
        assert_no_markup('<a href="javascript:alert(1)">x</a>', "example")
    assert_no_markup(f"<p>&lt;script&gt;{MARK}()&lt;/script&gt;</p>", "example")


# --- what the fuzzing found ----------------------------------------------------------------------------


def test_an_overlong_email_at_sign_in_is_refused_on_the_form(client):
    """Found by the fuzz test: a 100,000-character "email" reached django-axes, whose username column
    holds 255 characters, and the sign-in page answered 500."""
    response = client.post(reverse("accounts:login"), {"username": "A" * 100_000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"]


#: The body limit for the oversize test: small, so that every form can be sent one byte over it
#: cheaply (the limit's own value and the 50 MB upload are tested in tests/core/test_request_limits*).
SMALL_LIMIT = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_every_form_refuses_a_body_over_the_limit_and_changes_nothing(world, clients, settings, encoding):
    """Each form, sent as its page would send it plus one value that takes the body over
    MAX_REQUEST_BYTES: 413 before anything is read or stored (issue 14, oversize bodies)."""
    settings.MAX_REQUEST_BYTES = SMALL_LIMIT
    before = fingerprint()
    failures = []
    for name in sorted(FUZZ_FORMS):
        target = target_for(name, world, clients)
        body = {field: value for field, value in ((n, f.plain()) for n, f in target.fields.items()) if value}
        if encoding == "multipart":
            body["file"] = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * SMALL_LIMIT)
            response = target.client.post(target.path, body)
        else:
            body["padding"] = "x" * SMALL_LIMIT
            response = target.client.post(target.path, urlencode(body, doseq=True), content_type=FORM_TYPE)
        if response.status_code != 413:
            failures.append(f"{name}: {response.status_code}")
    assert failures == []
    assert fingerprint() == before
