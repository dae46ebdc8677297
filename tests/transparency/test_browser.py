"""In a real browser (Chromium, the portal's CSP enforced): the dashboard draws every chart from its
JSON data block with no CSP violation; the register and pages pass axe-core (WCAG 2.2 AA)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from panel.enums import DecisionOutcome
from tests.browser_support import session_cookie
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]

CHARTS = ["chart-decisions", "chart-times", "chart-automatic", "chart-votes", "chart-ons"]
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _data():
    deposit = AvailableDepositFactory(title="Moving On study")
    now = timezone.now()
    apps = [
        decided_application(deposits=[deposit], decided_at=now - timedelta(days=d), outcome=o)
        for d, o in (
            (3, DecisionOutcome.APPROVED),
            (35, DecisionOutcome.REJECTED),
            (70, DecisionOutcome.APPROVED_WITH_CONDITIONS),
        )
    ]
    return apps


def _staff_cookie(live_server):
    return session_cookie(StaffFactory(), live_server.url)


def test_dashboard_draws_every_chart_under_the_csp(chromium, live_server):
    _data()
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        context.add_cookies([_staff_cookie(live_server)])
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = page.goto("/oversight/")
        assert response.status == 200
        page.wait_for_load_state("networkidle")
        drawn = page.evaluate("(ids) => ids.map((id) => Boolean(window.Chart && Chart.getChart(id)))", CHARTS)
        assert drawn == [True] * len(CHARTS)
        bars = page.evaluate(
            "() => Chart.getChart('chart-decisions').data.datasets"
            ".map((d) => d.data.reduce((a, b) => a + b, 0))"
        )
        assert sum(bars) == 3
        for path in ("/register/", "/about/privacy/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("() => window.__csp") == [], path
        page.goto("/oversight/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => window.__csp") == []
        assert errors == []
    finally:
        context.close()


def test_register_dashboard_and_pages_pass_axe(journey, live_server):
    apps = _data()
    me = journey("transparency")
    me.goto("/register/")
    me.check("register")
    me.page.get_by_label("Lead organisation's sector").select_option("university")
    me.page.get_by_role("button", name="Show projects").click()
    me.page.wait_for_load_state()
    me.check("register filtered", phone=False)
    me.goto(f"/register/{apps[0].reference}/")
    me.check("register entry")
    me.goto("/about/researcher-guide/")
    me.check("researcher guide")
    me.goto("/about/privacy/versions/")
    me.check("page versions", phone=False)
    me.context.add_cookies([_staff_cookie(live_server)])
    me.goto("/oversight/")
    me.page.wait_for_load_state("networkidle")
    me.check("dashboard")
    me.goto("/oversight/pages/privacy/edit/")
    me.check("page edit", phone=False)
    me.page.get_by_label("Text (Markdown)").fill("## Updated\n\nNew text with <script>alert(1)</script>.")
    me.page.get_by_role("button", name="Publish this version").click()
    me.page.get_by_text("Version 2 of").wait_for()
    assert me.page.locator(".info-page-body script").count() == 0
    assert "<script>alert(1)</script>" in me.page.locator(".info-page-body").inner_text()
    me.check("page published", phone=False)
