"""Browser journeys: Playwright for Python driving Debian's Chromium (no browser download) against
pytest-django's live server on real PostgreSQL. Every visited page is checked with axe-core
(WCAG 2.2 AA tags), and each journey's steps are saved as full-page screenshots at desktop and
375 px widths under test-artifacts/."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
AXE_JS = ROOT / "tests" / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

#: Every URL path (ids folded to N) this process checked with axe; tests/conftest.py gathers the
#: paths from every xdist worker and prints the count at the end of the run.
AXE_CHECKED: set[str] = set()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def session_cookie(user, base_url: str) -> dict:
    """A browser cookie for a fully signed-in session of ``user`` (password and second factor)."""
    from django.conf import settings
    from django.test import Client

    from tests.conftest import sign_in_fully

    client = sign_in_fully(Client(), user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


class Journey:
    """One person's browser session in a journey: pages, screenshots, accessibility checks."""

    def __init__(self, browser, base_url: str, name: str):
        # bypass_csp only lets the test inject axe-core; the portal's own pages never need it.
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=DESKTOP, bypass_csp=True, base_url=base_url, locale="en-GB", timezone_id="Europe/London"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.name = name
        self.step = 0
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)  # no stale steps from an earlier run
        self.folder.mkdir(parents=True)

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None
        assert response.status < 400, f"{path} answered {response.status}"
        return response

    def check(self, label: str, *, phone: bool = True) -> None:
        """Accessibility check and screenshots of the current page."""
        self.axe()
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{slug}-desktop.png"), full_page=True)
        if phone:
            self.page.set_viewport_size(PHONE)
            overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{slug}-375px.png"), full_page=True)
            self.page.set_viewport_size(DESKTOP)
            assert overflow <= 0, f"{label}: the page scrolls sideways by {overflow}px at 375px"

    def axe(self) -> None:
        self.page.add_script_tag(path=str(AXE_JS))
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        path = self.page.url.split("//", 1)[-1].split("/", 1)[-1]
        AXE_CHECKED.add("/" + re.sub(r"\d+", "N", path.split("?")[0]))
        assert not serious, f"axe on {self.page.url}:\n" + json.dumps(
            [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in serious
            ],
            indent=1,
        )

    def sign_in_as(self, user) -> "Journey":
        """Start signed in as ``user`` (two-factor included) without typing: for journeys that are
        about something other than signing in."""
        self.context.add_cookies([session_cookie(user, self.base_url)])
        return self

    def sign_in(self, email: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.locator("#id_username").fill(email)
        self.page.locator("#id_password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(chromium, live_server, request):
    opened: list[Journey] = []

    def _open(person: str = "", *, user=None) -> Journey:
        name = request.node.name + (f"-{person}" if person else "")
        j = Journey(chromium, live_server.url, name)
        opened.append(j)
        return j.sign_in_as(user) if user is not None else j

    yield _open
    for j in opened:
        j.close()
