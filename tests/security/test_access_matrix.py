"""The access matrix (issue 7, acceptance 3): every URL pattern of the project, read from the URL
resolver, asked by every role with GET and with POST, against a table of expected answers.

A pattern missing from ``EXPECTED`` fails with its name; a row whose pattern no longer exists fails
too. Each URL's arguments point at real rows (see tests/security/matrix.py: the team's draft, an
application under review, an approved one with its decision and ONS notification, ...). A POST
carries a body that would change something (``POST_BODIES``); where the table does not expect a
change (``*``), the test also checks that the database is exactly as before.

Tokens in a row, one per role in the order of ``ROLES``
(anonymous, team, other_team, member, conflicted, chair, staff):
    200 400 403 404 405   that status
    L                     a redirect to the sign-in page
    302                   a redirect elsewhere (a refusal or a confirmation step), nothing changed
    302*                  a redirect after a successful POST that changed the database

The tests at the end prove that the table catches a removed permission check (acceptance 3's
second half): they take the checks out of views one by one and expect a mismatch.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver, resolve, reverse

from applications.views import TeamApplicationMixin
from core.permissions import RoleRequiredMixin
from tests.security.matrix import ROLES, ask, build_world, clients_for, fingerprint
from tests.security.urls import _walk

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    get: str
    post: str


def _row(get: str, post: str) -> Row:
    for line in (get, post):
        assert len(line.split()) == len(ROLES), line
    return Row(get, post)


def everyone(get="200", post="405") -> Row:
    """Public on purpose: the same answer for every role, signed in or not."""
    return _row(" ".join([get] * 7), " ".join([post] * 7))


def signed_in(get="200", post="405") -> Row:
    """Any signed-in person (their own account pages); anonymous visitors are sent to sign in."""
    return _row("L " + " ".join([get] * 6), "L " + " ".join([post] * 6))


def staff_only(get="200", post="405") -> Row:
    return _row("L 403 403 403 403 403 " + get, "L 403 403 403 403 403 " + post)


def researchers_only(get="200", post="405") -> Row:
    return _row(f"L {get} {get} 403 403 403 403", f"L {post} {post} 403 403 403 403")


def team_only(get="200", post="405") -> Row:
    """The team's own application: 404 for everyone else (not even its existence is confirmed)."""
    return _row(f"L {get} 404 404 404 404 404", f"L {post} 404 404 404 404 404")


#                                      anon team other member conflicted chair staff
EXPECTED: dict[str, Row] = {
    # --- public pages
    "healthz": everyone(),
    "jwks": everyone(),  # the ONS signing keys' public halves
    "core:home": everyone(post="200"),  # the home page answers POST like GET (a plain view)
    "deposits:catalogue": everyone(),
    "deposits:detail": everyone(),
    "deposits:public_document": everyone(post="200"),
    "transparency:page": everyone(),
    "transparency:page_history": everyone(),
    "transparency:page_version": everyone(),
    "transparency:register": everyone(),
    "transparency:register_csv": everyone(),
    "transparency:register_json": everyone(),
    "transparency:register_detail": everyone(),
    # --- signing in and out, sign-up, password reset (tokens here are invalid ones)
    "accounts:login": _row("200 302 302 302 302 302 302", "200 302 302 302 302 302 302"),
    "accounts:logout": everyone(get="405", post="302"),
    "accounts:sign_up": _row("200 302 302 302 302 302 302", "200 302 302 302 302 302 302"),
    "accounts:sign_up_done": everyone(post="200"),
    "accounts:confirm_email": everyone(get="400"),
    "accounts:email_change_confirm": everyone(get="400"),
    "accounts:password_reset": everyone(post="200"),
    "accounts:password_reset_done": everyone(),
    "accounts:password_reset_confirm": everyone(post="200"),
    "accounts:password_reset_complete": everyone(),
    # --- one's own account
    "accounts:password_change": signed_in(post="200"),
    "accounts:password_change_done": signed_in(),
    "accounts:security": signed_in(),
    "accounts:reauthenticate": signed_in(post="200"),
    "accounts:email_change": signed_in(post="302"),  # a confirmation link goes to the new address
    "accounts:two_factor_enrol": signed_in(post="200"),
    # panel and staff cannot remove the second factor they must have (refused with a message)
    "accounts:two_factor_remove": signed_in(get="405", post="302"),
    # researchers have no codes to regenerate (sent back to the security page)
    "accounts:recovery_codes_regenerate": _row("L 405 405 405 405 405 405", "L 302 302 200 200 200 200"),
    # the second-factor step: researchers without an app are offered enrolment, others are through
    "accounts:two_factor_verify": signed_in(get="302", post="302"),
    "accounts:profile": researchers_only(post="200"),
    # --- staff: people, lockouts, audit
    "accounts:staff_users": staff_only(),
    "accounts:staff_invite": staff_only(post="302*"),
    "accounts:staff_role_change": staff_only(post="302*"),
    "accounts:staff_two_factor_reset": staff_only(post="302*"),
    "accounts:staff_lockouts": staff_only(),
    "accounts:staff_lockout_clear": staff_only(get="405", post="302*"),
    "core:audit_log": staff_only(),
    "core:audit_log_export": staff_only(),
    # --- deposits (staff)
    "deposits:staff_list": staff_only(),
    "deposits:staff_export": staff_only(),
    "deposits:staff_create": staff_only(post="200"),
    "deposits:staff_detail": staff_only(),
    "deposits:staff_edit": staff_only(post="302*"),
    "deposits:staff_document_add": staff_only(post="200"),
    "deposits:staff_document_download": staff_only(),
    "deposits:staff_status": staff_only(post="302*"),
    "deposits:staff_approve": staff_only(post="200"),
    "deposits:staff_change_approve": staff_only(post="200"),
    "deposits:staff_change_reject": staff_only(get="302", post="302*"),
    "deposits:staff_history": staff_only(),
    "deposits:staff_sensitive_uses": staff_only(),
    "deposits:staff_sensitive_use_create": staff_only(post="302*"),
    "deposits:staff_sensitive_use_edit": staff_only(post="302*"),
    # --- applications (the researcher's side)
    "applications:my_list": researchers_only(),
    "applications:create": researchers_only(post="302*"),
    "applications:invitation": team_only(post="302*"),  # the invitation is addressed to the team researcher
    "applications:detail": team_only(),
    "applications:section": team_only(post="302*"),
    "applications:member_invite": team_only(post="302*"),
    "applications:member_remove": team_only(get="405", post="302*"),
    "applications:attachment_add": team_only(post="200"),
    "applications:attachment_download": team_only(),
    "applications:attachment_remove": team_only(get="405", post="302*"),
    "applications:submit": team_only(post="200"),  # refused on the form: the draft is not ready
    "applications:resubmit": team_only(post="200"),  # under review, not queried: refused on the form
    "applications:withdraw": team_only(post="302*"),
    "applications:ons_reference": team_only(post="302*"),
    "applications:version": team_only(),
    "applications:queries": team_only(),
    "applications:query_answer": team_only(post="200"),  # under review, not queried: refused on the form
    # the approved project's grant has an open change request already: a second is refused on the form
    "applications:change_request_create": team_only(post="200"),
    "applications:change_request": team_only(),
    "applications:change_request_withdraw": team_only(get="405", post="302*"),
    "applications:terms_accept": team_only(post="302*"),  # the lead accepts the version in force
    "applications:grant_resume": staff_only(post="302*"),  # staff lift the world's suspended grant
    # --- the terms of access: public on purpose (read before applying), then staff
    "terms:current": everyone(),
    "terms:version": everyone(),
    "terms:staff_list": staff_only(),
    "terms:staff_publish": staff_only(post="302*"),
    "terms:staff_version": staff_only(),
    "terms:staff_not_accepted": staff_only(),
    # --- applications after approval (the approved project's outputs, reports, closing early)
    "applications:outputs": team_only(),
    "applications:output_add": team_only(post="302*"),
    "applications:output_edit": team_only(post="302*"),
    "applications:output_remove": team_only(get="405", post="302*"),
    "applications:report": team_only(post="302*"),
    "applications:close": team_only(post="302*"),  # the team researcher leads the approved project
    # --- panel: the member and chair declared no conflict, the conflicted member declared one
    "panel:queue": _row("L 403 403 200 200 200 403", "L 403 403 405 405 405 403"),
    "panel:declare": _row("L 403 403 200 200 200 403", "L 403 403 302* 400 302* 403"),
    "panel:review": _row("L 403 403 200 403 200 403", "L 403 403 405 403 405 403"),
    "panel:version": _row("L 403 403 200 403 200 403", "L 403 403 405 403 405 403"),  # as the review
    "panel:attachment": _row("L 403 403 200 403 200 403", "L 403 403 405 403 405 403"),
    "panel:vote": _row("L 403 403 200 403 200 403", "L 403 403 302* 403 302* 403"),
    "panel:tally": _row("L 403 403 403 403 403 403", "L 403 403 405 403 405 403"),  # voting still open
    "panel:decide": _row("L 403 403 403 403 200 403", "L 403 403 403 403 400 403"),  # voting still open
    "panel:query": _row("L 404 404 403 403 200 200", "L 404 404 403 403 302* 302*"),
    "panel:decision_letter": _row("L 200 404 404 404 404 200", "L 405 405 405 405 405 405"),
    # --- change requests on live grants: the same conflict-first rows as applications under review
    "panel:change_declare": _row("L 403 403 200 200 200 403", "L 403 403 302* 400 302* 403"),
    "panel:change_review": _row("L 403 403 200 403 200 403", "L 403 403 405 403 405 403"),
    "panel:change_vote": _row("L 403 403 200 403 200 403", "L 403 403 302* 403 302* 403"),
    "panel:change_decide": _row("L 403 403 403 403 200 403", "L 403 403 403 403 400 403"),  # no quorum yet
    "panel:staff_change_requests": staff_only(),
    "panel:staff_change_request": staff_only(post="302*"),  # the delegated extension is approved
    "panel:interests": _row("L 403 403 200 200 200 403", "L 403 403 302* 302* 302* 403"),
    "panel:interest_withdraw": _row("L 403 403 405 405 405 403", "L 403 403 302* 404 404 403"),
    "panel:interest_register": _row("L 403 403 403 403 200 200", "L 403 403 403 403 405 405"),
    "panel:staff_applications": staff_only(),
    "panel:staff_application": staff_only(post="400"),
    "panel:staff_attachment": staff_only(),
    "panel:staff_members": staff_only(post="400"),
    "panel:staff_rules": staff_only(post="400"),
    "panel:staff_member_end": staff_only(get="405", post="302*"),
    "panel:staff_member_chair": staff_only(get="405", post="302*"),
    # --- ONS notifications (staff)
    "notifications:log": staff_only(),
    "notifications:detail": staff_only(),
    "notifications:resend": staff_only(get="405", post="302"),  # delivered already: nothing to resend
    "notifications:endpoint_enable": staff_only(get="405", post="302"),  # in use: nothing to re-enable
    "notifications:revoke": staff_only(post="302*"),
    # --- oversight (staff)
    "transparency:dashboard": staff_only(),
    "transparency:export_applications": staff_only(),
    "transparency:export_decisions": staff_only(),
    "transparency:staff_pages": staff_only(),
    "transparency:reports_late": staff_only(),
    "transparency:page_edit": staff_only(post="302*"),
    # --- the read API: tokens only (a signed-in session is no token), answers are problems
    "api:openapi-json": everyone(post="405"),
    "api:api-root": everyone(get="404", post="405"),
    "api:grant_list": everyone(get="401"),
    "api:grant_detail": everyone(get="401"),
    "api:event_list": everyone(get="401"),
    "api:grant_visas": everyone(get="401"),
    "api:visa_revoked_list": everyone(get="401"),
    "api:not_found": everyone(get="404", post="404"),
    "api:clients": staff_only(),
    "api:client_revoke": staff_only(get="405", post="302*"),
}

#: URL arguments, pointing at the rows of the world (tests/security/matrix.py).
ARGS = {
    "accounts:confirm_email": lambda w: {"token": "not-a-real-token"},
    "accounts:email_change_confirm": lambda w: {"token": "not-a-real-token"},
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "accounts:staff_role_change": lambda w: {"pk": w.users["other_team"].pk},
    "accounts:staff_two_factor_reset": lambda w: {"pk": w.users["member"].pk},
    "accounts:staff_lockout_clear": lambda w: {"pk": w.lockout.pk},
    "deposits:staff_sensitive_use_edit": lambda w: {"pk": w.sensitive_use.pk},
    "deposits:staff_detail": lambda w: {"reference": w.deposit.reference},
    "deposits:staff_edit": lambda w: {"reference": w.deposit.reference, "section": "lifecycle"},
    "deposits:staff_document_add": lambda w: {"reference": w.deposit.reference},
    "deposits:staff_document_download": lambda w: {"reference": w.deposit.reference, "pk": w.document.pk},
    "deposits:staff_status": lambda w: {"reference": w.deposit.reference},
    "deposits:staff_approve": lambda w: {"reference": w.deposit.reference},
    "deposits:staff_change_approve": lambda w: {"reference": w.deposit.reference, "pk": w.use_change.pk},
    "deposits:staff_change_reject": lambda w: {"reference": w.deposit.reference, "pk": w.use_change.pk},
    "deposits:staff_history": lambda w: {"reference": w.deposit.reference},
    "deposits:detail": lambda w: {"reference": w.deposit.reference},
    "deposits:public_document": lambda w: {"reference": w.deposit.reference, "pk": w.document.pk},
    "applications:invitation": lambda w: {"member_pk": w.invitation.pk},
    "applications:detail": lambda w: {"pk": w.draft.pk},
    "applications:section": lambda w: {"pk": w.draft.pk, "section": "project"},
    "applications:member_invite": lambda w: {"pk": w.draft.pk},
    "applications:member_remove": lambda w: {"pk": w.draft.pk, "member_pk": w.invited.pk},
    "applications:attachment_add": lambda w: {"pk": w.draft.pk},
    "applications:attachment_download": lambda w: {"pk": w.draft.pk, "attachment_pk": w.draft_attachment.pk},
    "applications:attachment_remove": lambda w: {"pk": w.draft.pk, "attachment_pk": w.draft_attachment.pk},
    "applications:submit": lambda w: {"pk": w.draft.pk},
    "applications:resubmit": lambda w: {"pk": w.review.pk},
    "applications:withdraw": lambda w: {"pk": w.draft.pk},
    "applications:ons_reference": lambda w: {"pk": w.draft.pk},
    "applications:version": lambda w: {"pk": w.review.pk, "number": 1},
    "applications:queries": lambda w: {"pk": w.review.pk},
    "applications:query_answer": lambda w: {"pk": w.review.pk, "query_pk": w.query.pk},
    "applications:terms_accept": lambda w: {"pk": w.draft.pk},
    "applications:grant_resume": lambda w: {"pk": w.suspended.pk},
    "terms:version": lambda w: {"number": w.terms.number},
    "terms:staff_version": lambda w: {"number": w.terms.number},
    "applications:outputs": lambda w: {"pk": w.approved.pk},
    "applications:output_add": lambda w: {"pk": w.approved.pk},
    "applications:output_edit": lambda w: {"pk": w.approved.pk, "output_pk": w.output.pk},
    "applications:output_remove": lambda w: {"pk": w.approved.pk, "output_pk": w.output.pk},
    "applications:report": lambda w: {"pk": w.approved.pk, "report_pk": w.report.pk},
    "applications:close": lambda w: {"pk": w.approved.pk},
    "panel:declare": lambda w: {"reference": w.review.reference},
    "panel:review": lambda w: {"reference": w.review.reference},
    "panel:version": lambda w: {"reference": w.review.reference, "number": w.review.version_number},
    "panel:attachment": lambda w: {"reference": w.review.reference, "pk": w.review_attachment.pk},
    "panel:vote": lambda w: {"reference": w.review.reference},
    "panel:tally": lambda w: {"reference": w.review.reference},
    "panel:decide": lambda w: {"reference": w.review.reference},
    "panel:query": lambda w: {"reference": w.review.reference},
    "panel:decision_letter": lambda w: {"reference": w.approved.reference},
    "panel:interest_withdraw": lambda w: {"pk": w.interest.pk},
    "applications:change_request_create": lambda w: {"pk": w.approved.pk},
    "applications:change_request": lambda w: {"pk": w.approved.pk, "number": w.change.number},
    "applications:change_request_withdraw": lambda w: {"pk": w.approved.pk, "number": w.change.number},
    "panel:change_declare": lambda w: {"reference": w.change.reference},
    "panel:change_review": lambda w: {"reference": w.change.reference},
    "panel:change_vote": lambda w: {"reference": w.change.reference},
    "panel:change_decide": lambda w: {"reference": w.change.reference},
    "panel:staff_change_request": lambda w: {"reference": w.delegated_change.reference},
    "panel:staff_application": lambda w: {"reference": w.review.reference},
    "panel:staff_attachment": lambda w: {"reference": w.review.reference, "pk": w.review_attachment.pk},
    "panel:staff_member_end": lambda w: {"pk": w.membership.pk},
    "panel:staff_member_chair": lambda w: {"pk": w.membership.pk},
    "notifications:detail": lambda w: {"pk": w.notification.pk},
    "notifications:resend": lambda w: {"pk": w.notification.pk},
    "notifications:endpoint_enable": lambda w: {"pk": w.notification.endpoint_id},
    "transparency:page": lambda w: {"slug": "privacy"},
    "transparency:page_history": lambda w: {"slug": "privacy"},
    "transparency:page_version": lambda w: {"slug": "privacy", "number": 1},
    "transparency:register_detail": lambda w: {"reference": w.approved.reference},
    "transparency:page_edit": lambda w: {"slug": "privacy"},
    "api:grant_detail": lambda w: {"reference": w.approved.grants.get().reference},
    "api:grant_visas": lambda w: {"reference": w.approved.grants.get().reference},
    "api:not_found": lambda w: {"rest": "nothing/here"},
    "api:client_revoke": lambda w: {"pk": w.api_client.pk},
}

#: POST bodies that would change something if the role were allowed to (empty where a button is all).
POST_BODIES = {
    "accounts:staff_invite": lambda w: {
        "full_name": "New Member",
        "email": "new@example.org",
        "role": "staff",
    },
    "accounts:staff_role_change": lambda w: {"role": "staff"},
    "accounts:email_change": lambda w: {"email": "changed@example.org"},
    "accounts:password_change": lambda w: {
        "old_password": "wrong",
        "new_password1": "An0ther-Long-Passphrase",
        "new_password2": "An0ther-Long-Passphrase",
    },
    "accounts:profile": lambda w: {"organisation": "Elsewhere"},
    "deposits:staff_edit": lambda w: {"review_date": "2030-01-31"},
    "deposits:staff_change_reject": lambda w: {"note": "The data owner withdrew the request."},
    "deposits:staff_sensitive_use_create": lambda w: {
        "code": "new-use",
        "name": "A new sensitive use",
        "description": "Something participants were not told about.",
        "is_active": "on",
    },
    "deposits:staff_sensitive_use_edit": lambda w: {
        "code": w.sensitive_use.code,
        "name": "Renamed use",
        "description": "Changed.",
        "is_active": "on",
    },
    "deposits:staff_status": lambda w: {"action": "withdraw", "reason": "Data owner request"},
    "applications:create": lambda w: {"title": "A brand new study"},
    "applications:invitation": lambda w: {
        "decision": "accept",
        "accept": "on",
        "terms_number": w.terms.number,
    },
    "applications:terms_accept": lambda w: {"accept": "on", "terms_number": w.terms.number},
    "terms:staff_publish": lambda w: {
        "label": "2026.2",
        "text": "Rewritten by whoever posted this.",
        "summary_of_changes": "Everything.",
        "acceptance_period_days": "30",
        "base_number": str(w.terms.number),
    },
    "applications:section": lambda w: {
        "title": "Renamed study",
        "lay_summary": "Changed by whoever posted this.",
        "access_start": "2030-01-01",
        "access_end": "2030-12-31",
    },
    "applications:member_invite": lambda w: {"email": "second@example.org", "role": "researcher"},
    "applications:withdraw": lambda w: {"reason": "We found the answer elsewhere."},
    "applications:ons_reference": lambda w: {"ons_project_reference": "2004417"},
    "applications:query_answer": lambda w: {"answer": "To model school moves."},
    "applications:output_add": lambda w: {
        "kind": "publication",
        "title": "A paper by whoever posted this",
        "published_on": "2026-03-01",
        "doi": "10.1234/posted",
    },
    "applications:output_edit": lambda w: {
        "kind": "report",
        "title": "Renamed by whoever posted this",
        "published_on": "2026-03-01",
    },
    "applications:report": lambda w: {"summary": "Progress, by whoever posted this."},
    "applications:close": lambda w: {"reason": "Closed by whoever posted this.", "confirm": "on"},
    "panel:vote": lambda w: {
        "project_vote": "reject",
        "project_comment": "No.",
        "researcher_fit": "unsuitable",
        "researcher_fit_comment": "No.",
    },
    "panel:query": lambda w: {"questions": "Please explain the linkage."},
    "applications:change_request_create": lambda w: {"reason": "More time.", "access_end": "2099-12-31"},
    "panel:change_declare": lambda w: {"has_conflict": "yes", "reason": "Changed my mind"},
    "panel:change_vote": lambda w: {"project_vote": "reject", "researcher_fit": "unsuitable"},
    "panel:change_decide": lambda w: {"outcome": "approve", "rationale": "Fine."},
    "applications:grant_resume": lambda w: {"note": "The deposit was reinstated."},
    "panel:staff_change_request": lambda w: {"outcome": "approve", "rationale": "Within the delegation."},
    "panel:decide": lambda w: {"outcome": "approved", "rationale": "Fine.", "public_rationale": "Fine."},
    "panel:interests": lambda w: {"description": "Adviser to a local authority"},
    "panel:declare": lambda w: {"has_conflict": "yes", "reason": "Changed my mind"},
    "notifications:revoke": lambda w: {"application_reference": w.approved.reference, "reason": "A breach."},
    "transparency:page_edit": lambda w: {
        "title": "Privacy policy",
        "body": "Rewritten by whoever posted this.",
        "change_note": "Rewrite",
        "base_version": "1",
    },
}


def resolver_names() -> list[str]:
    """Every named URL pattern of the project, the Django admin aside (see the admin test)."""
    names = {name for name, _ in _walk(get_resolver().url_patterns)}
    return sorted(name for name in names if not name.startswith("admin:"))


def path_for(name: str, world) -> str:
    args = ARGS.get(name)
    return reverse(name, kwargs=args(world) if args else None)


MISSING = "missing from the access matrix's expectation table (tests/security/test_access_matrix.py)"


def mismatches(name: str, world, clients, *, first_only: bool = False) -> list[str]:
    """Ask ``name`` as every role with GET and POST; describe each answer that is not the table's."""
    if name not in EXPECTED:
        return [f"{name}: {MISSING}"]
    path = path_for(name, world)
    body = POST_BODIES.get(name, lambda w: {})(world)
    found = []
    before = fingerprint()
    for method, line in (("GET", EXPECTED[name].get), ("POST", EXPECTED[name].post)):
        for role, expected in zip(ROLES, line.split(), strict=True):
            try:
                answer = ask(clients[role], method, path, body, before=before if method == "POST" else "")
            except Exception as exc:  # a crash is a mismatch to report, not to hide
                found.append(f"{name} {method} as {role}: expected {expected}, raised {exc!r}")
                if first_only:
                    return found
                continue
            got = answer.label()
            if got in ("301", "302", "303"):
                got = "302"
            if answer.changed:
                got += "*"
            if got != expected:
                where = f" -> {answer.location}" if answer.location else ""
                found.append(f"{name} {method} as {role}: expected {expected}, got {got}{where}")
                if first_only:
                    return found
    return found


@pytest.fixture(scope="module")
def _private_media(tmp_path_factory):
    """Overrides the conftest's per-test upload folder: the world's files live as long as it does."""
    folder = tmp_path_factory.mktemp("matrix-private")
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder, "base_url": None},
        },
    }
    with override_settings(PRIVATE_MEDIA_ROOT=folder, STORAGES=storages):
        yield


@pytest.fixture(scope="module")
def _module_world(_private_media, django_db_setup, django_db_blocker):
    """The world and its signed-in clients, built once per module in a transaction that is rolled
    back at the end; each test runs in a savepoint inside it (and each request in another)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            yield world, clients_for(world)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world):
    return _module_world[0]


@pytest.fixture
def clients(_module_world):
    return _module_world[1]


@pytest.mark.parametrize("name", resolver_names())
def test_access_matrix(name, world, clients):
    problems = mismatches(name, world, clients)
    assert not problems, "\n".join(problems)


def test_expectation_table_names_only_existing_patterns():
    stale = sorted(set(EXPECTED) - set(resolver_names()))
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"
    assert set(ARGS) <= set(EXPECTED)
    assert set(POST_BODIES) <= set(EXPECTED)


def test_a_pattern_missing_from_the_table_is_named(world, monkeypatch):
    monkeypatch.delitem(EXPECTED, "core:audit_log")
    assert mismatches("core:audit_log", world, {}) == [f"core:audit_log: {MISSING}"]


def test_the_django_admin_requires_staff(world, clients):
    for path in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        assert clients["anonymous"].get(path).url.startswith(reverse("admin:login"))
        for role in ("team", "other_team", "member", "conflicted", "chair"):
            response = clients[role].get(path)
            assert response.status_code == 302, role
            assert response.url.startswith(reverse("admin:login")), role
    assert clients["staff"].get(reverse("admin:index")).status_code == 200
    # staff see the models their Django permissions allow, no more
    assert clients["staff"].get(reverse("admin:accounts_user_changelist")).status_code == 403
    change = clients["team"].post(reverse("admin:accounts_user_change", args=[world.users["team"].pk]), {})
    assert change.status_code == 302
    assert change.url.startswith(reverse("admin:login"))


# --- acceptance 3, second half: taking a permission check out of a view makes the matrix fail ----


def _view_class(name: str):
    return getattr(resolve(reverse(name, kwargs=_sample_kwargs(name))).func, "view_class", None)


def _role_checked_names() -> list[str]:
    """Views whose role mixin is what refuses someone (a 403 in the table). Where an object check
    answers first (the team's applications answer 404), the object-check test below covers it."""
    names = []
    for name in resolver_names():
        view_class = _view_class(name)
        row = EXPECTED.get(name)
        if view_class and issubclass(view_class, RoleRequiredMixin) and row and "403" in row.get + row.post:
            names.append(name)
    return names


def _sample_kwargs(name: str):
    for walked, kwargs in _walk(get_resolver().url_patterns):
        if walked == name:
            return kwargs or None
    return None


@pytest.mark.parametrize("name", _role_checked_names())
def test_matrix_fails_when_a_views_role_check_is_removed(name, world, clients, monkeypatch):
    """Every view behind a role mixin: let any signed-in user through, and the matrix must object."""
    view_class = resolve(path_for(name, world)).func.view_class
    monkeypatch.setattr(view_class, "role_check", staticmethod(lambda user: True))
    assert mismatches(name, world, clients, first_only=True), (
        f"{name}: the matrix did not notice the role check was removed"
    )


def _any_application(*, user, pk):
    from applications.models import Application

    return Application.objects.filter(pk=pk).first()


def _no_conflict(*, application, user):
    from panel.models import ConflictDeclaration

    return ConflictDeclaration(application=application, member=user, has_conflict=False)


def _any_decision(*, reference, user):
    from panel.models import Decision

    return Decision.objects.filter(application__reference=reference).first()


#: Per-object checks, each taken out by replacing the lookup the view relies on with one that ignores
#: the user, and the URLs whose rows must then disagree with the table.
OBJECT_CHECKS = {
    "team membership": (
        "applications.views._common.application_get_for_user",
        _any_application,
        [name for name in resolver_names() if issubclass(_view_class(name) or object, TeamApplicationMixin)],
    ),
    "declared conflict": (
        "panel.selectors.conflict_for",
        _no_conflict,
        ["panel:review", "panel:version", "panel:attachment"],
    ),
    "decision letter for the team": (
        "panel.selectors.decision_letter_for",
        _any_decision,
        ["panel:decision_letter"],
    ),
}


@pytest.mark.parametrize(
    ("check", "name"), [(check, name) for check, (_, _, names) in OBJECT_CHECKS.items() for name in names]
)
def test_matrix_fails_when_an_object_check_is_removed(check, name, world, clients, monkeypatch):
    target, replacement, _ = OBJECT_CHECKS[check]
    monkeypatch.setattr(target, replacement)
    assert mismatches(name, world, clients, first_only=True), (
        f"{name}: the matrix did not notice the {check} check was removed"
    )
