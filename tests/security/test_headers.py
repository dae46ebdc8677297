"""Headers (issue 7, acceptance 6): the home page and a panel page carry a strict CSP, frame denial,
a referrer policy and nosniff; with the production settings also HSTS and __Host- cookies. No page
uses an inline script, inline style or event-handler attribute, which the CSP would block. Issue 14:
every response denies powerful browser features (Permissions-Policy), and X-Forwarded-Proto is
believed only behind a trusted proxy."""

import json
import re

import pytest
from django.urls import reverse

from tests.production_support import run_with_production_settings
from tests.security.urls import named_urls

pytestmark = pytest.mark.django_db


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_home_page_carries_the_security_headers(client, client_for, researcher):
    assert_security_headers(client.get(reverse("core:home")))
    assert_security_headers(client_for(researcher).get(reverse("core:home")))


PERMISSIONS_DENIED = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}


def permissions_policy(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


@pytest.mark.parametrize("path", ["/", "/deposits/", "/no-such-page/"])
def test_public_pages_and_the_404_deny_powerful_browser_features(client, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    policy = permissions_policy(response)
    assert {feature for feature, allowed in policy.items() if allowed == "()"} >= PERMISSIONS_DENIED
    assert set(policy.values()) == {"()"}  # nothing is allowed, not even to the portal itself
    assert "interest-cohort" not in policy  # withdrawn; browsers warn about it


def test_the_request_size_refusal_carries_the_permissions_policy(client, settings):
    settings.MAX_REQUEST_BYTES = 10
    response = client.post("/accounts/login/", {"username": "x" * 100})
    assert response.status_code == 413
    assert permissions_policy(response)["camera"] == "()"


def test_a_panel_page_carries_the_security_headers(client_for, member):
    response = client_for(member).get(reverse("panel:queue"))
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# No collectstatic manifest here: plain static storage; everything else is the production settings.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
c = Client(HTTP_X_FORWARDED_PROTO="https")
home = c.get("/", secure=True, HTTP_HOST="portal.example.org")
login = c.get("/accounts/login/", secure=True, HTTP_HOST="portal.example.org")
plain = Client().get("/", HTTP_HOST="portal.example.org")
print(json.dumps({
    "home": dict(home.headers), "home_status": home.status_code,
    "login_cookies": {k: dict(v) for k, v in login.cookies.items()},
    "plain_status": plain.status_code, "plain_location": plain.headers.get("Location", ""),
    "session": [getattr(settings, "SESSION_COOKIE_" + n) for n in
                ("NAME", "SECURE", "HTTPONLY", "SAMESITE", "PATH", "DOMAIN")],
}))
"""


def test_with_production_settings_hsts_https_redirect_and_host_prefixed_cookies():
    result = run_with_production_settings(PRODUCTION_PROBE)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["home"]
    assert seen["home_status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    csrf = seen["login_cookies"]["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    assert csrf["path"] == "/"
    assert not csrf["domain"]
    assert seen["session"] == ["__Host-sessionid", True, True, "Lax", "/", None]
    assert seen["plain_status"] == 301
    assert seen["plain_location"].startswith("https://")


# A JSON data block ({{ value|json_script }}) is never executed, so the CSP allows it.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.IGNORECASE
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_code_in(html: str) -> list[str]:
    problems = []
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("event handler", EVENT_HANDLER),
        ("javascript: URL", JS_URL),
    ):
        problems += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return problems


@pytest.mark.parametrize("role", ["anonymous", "researcher", "member", "chair", "staff"])
def test_no_page_has_inline_script_or_style(client, client_for, request, role):
    """Every page a role can open without arguments (crispy forms included) is free of inline code."""
    browser = client if role == "anonymous" else client_for(request.getfixturevalue(role))
    browser.raise_request_exception = False  # a page that errors is the access-matrix test's business
    checked = 0
    problems = {}
    for name, path in named_urls():
        if name.startswith("admin:") or name in {"accounts:logout", "healthz"}:
            continue
        response = browser.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        found = inline_code_in(response.content.decode())
        if found:
            problems[name] = found
    assert checked >= 5
    assert problems == {}


FORWARDED_PROTO_PROBE = """
import json, django
django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="portal.example.org")
response = SecurityMiddleware(lambda r: HttpResponse("page"))(request)
print(json.dumps({"secure": request.is_secure(), "status": response.status_code,
                  "location": response.headers.get("Location", "")}))
"""


@pytest.mark.parametrize(("proxies", "secure"), [("0", False), ("1", True)])
def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy(proxies, secure):
    """With no proxy configured a client's own ``X-Forwarded-Proto: https`` does not make plain HTTP
    secure: the production settings still redirect it to HTTPS."""
    result = run_with_production_settings(FORWARDED_PROTO_PROBE, TRUSTED_PROXY_COUNT=proxies)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["secure"] is secure
    if secure:
        assert seen["status"] == 200
    else:
        assert seen["status"] == 301
        assert seen["location"] == "https://portal.example.org/"
