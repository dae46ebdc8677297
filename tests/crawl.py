"""A crawl of every page each demo role can reach, signing in through the real forms.

Each demo account of the README (and an anonymous visitor) signs in as a person would: the password
form, then, for panel members, chairs and staff, the code of an authenticator app set up on the
published demo secret. From the home page the crawl follows every same-origin link and redirect
with GET (never the sign-out), at most ``per_route`` distinct addresses for each URL pattern, and
reports what a person would meet:

- ``server error``: any 5xx answer, with the traceback;
- ``form without submit``: a POST form with a field a person can fill (not disabled) and no control
  to send it;
- ``date value``: an ``<input type="date">`` whose value is neither empty nor ISO ``YYYY-MM-DD``
  (a browser shows it empty, and saving the form erases the date), or a ``datetime-local`` one that
  is not ``YYYY-MM-DDTHH:MM``;
- ``broken link``: a link (or redirect) shown to the role that answers 404, or any other 4xx: a
  page that refuses the very address the portal gave that person.

Downloads (CSV, JSON, PDF) are fetched for their status only.

It needs the demo data (``manage.py demo_data``) and DEBUG off. The suite runs it on PostgreSQL
(tests/core/test_crawl.py) and, through ``python -m tests.crawl --load-demo``, on the embedded SQLite
default, which prints the report as JSON.
"""

from __future__ import annotations

import re
import traceback
from collections import deque
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

#: The demo accounts of the README, and an anonymous visitor (None).
ROLES = (
    None,
    "researcher@example.org",
    "researcher2@example.org",
    "researcher3@example.org",
    "member1@example.org",
    "chair@example.org",
    "staff@example.org",
    "staff2@example.org",
)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
HTML_TYPES = ("text/html",)
SLUG_ARGUMENT = re.compile(r"<slug:(\w+)>")


@dataclass(frozen=True)
class Problem:
    role: str
    kind: str
    url: str
    detail: str = ""


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    visited: dict[str, dict[str, int]] = field(default_factory=dict)  # role -> {address: status}

    def as_json(self) -> dict:
        return {"problems": [asdict(p) for p in self.problems], "visited": self.visited}

    @classmethod
    def from_json(cls, data: dict) -> Report:
        return cls([Problem(**p) for p in data["problems"]], data["visited"])

    def summary(self) -> str:
        """The problems, one a paragraph, for an assertion message."""
        return "\n\n".join(f"{p.role}: {p.kind} at {p.url}\n{p.detail}" for p in self.problems)


@dataclass
class Form:
    method: str
    action: str
    fields: int = 0
    submits: int = 0


class PageParser(HTMLParser):
    """The links, forms and date inputs of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.date_inputs: list[tuple[str, str, str]] = []  # (type, name, value)
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(method=(attrs.get("method") or "get").lower(), action=attrs.get("action") or "")
        elif tag in ("input", "select", "textarea", "button"):
            kind = (attrs.get("type") or "").lower()
            if tag == "input" and kind in ("date", "datetime-local"):
                self.date_inputs.append((kind, attrs.get("name") or "", attrs.get("value") or ""))
            if self._form is None:
                return
            if (tag == "button" and kind in ("", "submit")) or (
                tag == "input" and kind in ("submit", "image")
            ):
                self._form.submits += 1
            elif tag != "button" and kind not in ("hidden", "button", "reset") and "disabled" not in attrs:
                self._form.fields += 1

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def post_forms_without_submit(html: str) -> list[str]:
    """The actions of the POST forms on a page that have fields a person fills but nothing to send
    them with (Enter does nothing in a form with two password fields and no button)."""
    return [f.action for f in parse_page(html).forms if f.method == "post" and f.fields and not f.submits]


def undisplayable_dates(html: str) -> list[str]:
    """``name="value"`` of each date or datetime-local input whose value a browser cannot show."""
    bad = []
    for kind, name, value in parse_page(html).date_inputs:
        pattern = ISO_DATE if kind == "date" else ISO_DATETIME_LOCAL
        if value and not pattern.fullmatch(value):
            bad.append(f'{kind} {name}="{value}"')
    return bad


# --- signing in -----------------------------------------------------------------------------------


def _form_fields(html: str, *, action_contains: str = "") -> dict[str, str]:
    """The hidden inputs (the CSRF token) of the first POST form on a page."""

    class Hidden(HTMLParser):
        def __init__(self):
            super().__init__()
            self.values: dict[str, str] = {}
            self.inside = False
            self.done = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and not self.done and (attrs.get("method") or "").lower() == "post":
                self.inside = action_contains in (attrs.get("action") or "")
            elif self.inside and tag == "input" and (attrs.get("type") or "").lower() == "hidden":
                self.values[attrs.get("name") or ""] = attrs.get("value") or ""

        def handle_endtag(self, tag):
            if tag == "form" and self.inside:
                self.inside, self.done = False, True

    parser = Hidden()
    parser.feed(html)
    return parser.values


def demo_totp_code(*, step_offset: int = 0) -> str:
    """The code an authenticator app set up on the published demo secret shows now."""
    from accounts.demo import DEMO_TOTP_SECRET
    from accounts.two_factor import totp_key_from_base32
    from tests.security.otp import totp_code

    return totp_code(totp_key_from_base32(DEMO_TOTP_SECRET), step_offset=step_offset)


def sign_in(client, email: str) -> None:
    """Sign in through the sign-in page and, when asked, the authenticator-app step, as a browser
    would (the forms' CSRF tokens included). Raises AssertionError when the role does not get in."""
    from django.urls import reverse

    from accounts.demo import DEMO_PASSWORD

    login = reverse("accounts:login")
    page = client.get(login)
    body = {**_form_fields(page.content.decode()), "username": email, "password": DEMO_PASSWORD}
    response = client.post(login, body)
    if response.status_code != 302:
        raise AssertionError(f"{email}: the password step answered {response.status_code}")
    location = response["Location"]
    verify = reverse("accounts:two_factor_verify")
    if urlsplit(location).path == verify:
        page = client.get(location)
        hidden = _form_fields(page.content.decode())
        # A code works once per 30-second step: if this account already used the current one, the
        # app's next code is accepted too (django-otp allows one step of drift).
        for offset in (0, 1):
            response = client.post(location, {**hidden, "code": demo_totp_code(step_offset=offset)})
            if response.status_code == 302:
                break
        else:
            raise AssertionError(f"{email}: the authenticator code was refused")
        location = response["Location"]
    if urlsplit(location).path.startswith(reverse("accounts:two_factor_enrol")):
        raise AssertionError(f"{email}: asked to set up an authenticator app (the demo should have one)")


# --- the crawl ------------------------------------------------------------------------------------


def _route_key(path: str) -> str | None:
    """The URL pattern a path resolves to, with the arguments that choose a kind of page (slugs such
    as a section's name) kept apart; None if it resolves to nothing."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return None
    kinds = [f"{name}={match.kwargs[name]}" for name in SLUG_ARGUMENT.findall(match.route)]
    return " ".join([match.route, *kinds])


def crawl(*, roles=ROLES, per_route: int = 3) -> Report:
    from django.test import Client
    from django.urls import reverse

    report = Report()
    skip = {reverse("accounts:logout")}
    for email in roles:
        role = email or "anonymous"
        client = Client(raise_request_exception=False, enforce_csrf_checks=True)
        if email:
            sign_in(client, email)
        report.visited[role] = _crawl_one(client, role=role, report=report, skip=skip, per_route=per_route)
    return report


def _crawl_one(client, *, role: str, report: Report, skip: set[str], per_route: int) -> dict[str, int]:
    from django.urls import reverse

    start = reverse("core:home")
    queue: deque[tuple[str, str]] = deque([(start, "")])
    seen: set[str] = {start}
    per_key: dict[str, int] = {}
    fetched: dict[str, int] = {}
    while queue:
        url, referrer = queue.popleft()
        response = client.get(url)
        status = fetched[url] = response.status_code
        if status >= 500:
            exc_info = getattr(response, "exc_info", None)
            detail = "".join(traceback.format_exception(*exc_info)) if exc_info else f"status {status}"
            report.problems.append(Problem(role, "server error", url, detail))
            continue
        if 400 <= status < 500 and referrer:
            report.problems.append(Problem(role, "broken link", url, f"{status}, linked from {referrer}"))
            continue
        targets: list[str] = []
        if status in (301, 302, 303, 307, 308):
            targets.append(response["Location"])
        elif status == 200 and response.get("Content-Type", "").startswith(HTML_TYPES):
            html = response.content.decode()
            page = parse_page(html)
            for action in post_forms_without_submit(html):
                report.problems.append(Problem(role, "form without submit", url, f"action={action!r}"))
            for bad in undisplayable_dates(html):
                report.problems.append(Problem(role, "date value", url, bad))
            targets.extend(page.links)
        for href in targets:
            target = _same_origin(url, href)
            if target is None or target in seen or urlsplit(target).path in skip:
                continue
            key = _route_key(urlsplit(target).path)
            if key is not None:
                if per_key.get(key, 0) >= per_route:
                    continue
                per_key[key] = per_key.get(key, 0) + 1
            seen.add(target)
            queue.append((target, url))
    return fetched


def _same_origin(base: str, href: str) -> str | None:
    """The path and query of a link on this site, without its fragment; None for another site, a
    mailto: link or a fragment of the same page."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- the command line (the SQLite run of the suite) -------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.crawl [--load-demo] [--per-route N]``: with the settings of the environment
    (DJANGO_SETTINGS_MODULE, DATABASE_URL), optionally migrate and load the demo data, crawl, and
    print the report as JSON on the last line of stdout. Exit status 1 when there is a problem."""
    import argparse
    import io
    import json
    import sys

    import django

    parser = argparse.ArgumentParser(prog="python -m tests.crawl", description=main.__doc__)
    parser.add_argument("--load-demo", action="store_true", help="migrate and run demo_data first")
    parser.add_argument("--per-route", type=int, default=3)
    args = parser.parse_args(argv)

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    if settings.DEBUG:
        parser.error("run with DEBUG off (DEBUG=false): a 500 must be the page a person sees")
    setup_test_environment()  # the test client's host, emails kept in memory
    if args.load_demo:
        log = io.StringIO()
        call_command("migrate", interactive=False, verbosity=0, stdout=log)
        call_command("demo_data", stdout=log)
        sys.stderr.write(log.getvalue())
    ons_ok = True
    if args.load_demo:
        ons_ok = ons_redelivered(sys.stderr)
    report = crawl(per_route=args.per_route)
    sys.stdout.write(json.dumps(report.as_json()) + "\n")
    return 1 if report.problems or not ons_ok else 0


def ons_redelivered(out) -> bool:
    """Send every demo ONS notification again through the worker's own path (claim, send, record)
    on this database: the embedded SQLite default takes the ORM steps where PostgreSQL takes single
    statements (notifications.services.delivery._postgresql). One is taken over from a worker whose
    lease expired (its attempt logged as unknown); one waits out a backoff on an endpoint that just
    failed and is released by the next success. Writes ``ONS redelivered: n of m`` to ``out``."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.enums import OnsAttemptOutcome, OnsNotificationStatus
    from notifications.models import OnsDeliveryAttempt, OnsEndpoint, OnsNotification
    from notifications.services import ons_notification_deliver

    rows = list(OnsNotification.objects.order_by("pk"))
    now = timezone.now()
    OnsNotification.objects.update(status=OnsNotificationStatus.PENDING, next_attempt_at=None)
    taken_over = rows[0]
    OnsNotification.objects.filter(pk=taken_over.pk).update(
        status=OnsNotificationStatus.SENDING, attempts=7, lease_until=now - timedelta(seconds=1)
    )
    waiting = next((n for n in rows[1:] if n.endpoint_id and n.endpoint_id == rows[-1].endpoint_id), None)
    if waiting is not None and waiting.pk != rows[-1].pk:
        OnsNotification.objects.filter(pk=waiting.pk).update(next_attempt_at=now + timedelta(hours=1))
        OnsEndpoint.objects.filter(pk=waiting.endpoint_id).update(last_failure_at=now)
    for row in rows:
        if waiting is None or row.pk != waiting.pk:
            ons_notification_deliver(notification_id=row.pk)
    delivered = OnsNotification.objects.filter(status=OnsNotificationStatus.DELIVERED).count()
    unknown = OnsDeliveryAttempt.objects.filter(
        notification=taken_over, number=7, outcome=OnsAttemptOutcome.UNKNOWN
    ).exists()
    out.write(
        f"ONS redelivered: {delivered} of {len(rows)}; takeover logged: {unknown}; "
        f"waiting row released: {waiting is not None}\n"
    )
    return bool(rows) and delivered == len(rows) and unknown


if __name__ == "__main__":
    raise SystemExit(main())
