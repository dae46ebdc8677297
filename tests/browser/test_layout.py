"""What the eye meets, measured in Chromium: the staff menu is one line at 1280 px; every list of
applications shows its Status column inside a 375 px phone's screen; the audit log's data wraps
instead of running off the page."""

import pytest

from core.services import audit_record
from tests.browser_support import DESKTOP, PHONE
from tests.factories.accounts import StaffFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_staff_menu_is_one_line_at_1280px_and_the_audit_log_does_not_overflow(journey):
    staff = StaffFactory(full_name="Professor Alexandra Montgomery-Fitzwilliam")
    long_value = "x" * 600
    audit_record(
        actor=staff,
        action="core.test.long_data",
        data={"note": long_value, "changed": [f"field_{i}" for i in range(40)], "nested": {"a": long_value}},
    )
    me = journey(user=staff)
    page = me.page
    me.goto("/")
    page.set_viewport_size(DESKTOP)
    items = page.evaluate(
        """() => [...document.querySelectorAll('#main-nav > ul > li')].map(li => {
          const box = li.getBoundingClientRect();
          return {text: li.textContent.trim().slice(0, 30), middle: box.top + box.height / 2};
        })"""
    )
    assert len(items) > 5
    middles = [item["middle"] for item in items]
    assert max(middles) - min(middles) < 4, f"the staff menu is not on one line: {items}"
    brand = page.locator(".navbar-brand").bounding_box()
    navbar = page.locator("nav.navbar").bounding_box()
    assert navbar["height"] < brand["height"] * 2, "the navbar is taller than one line"
    me.check("staff home", phone=False)

    me.goto("/staff/audit-log/")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert page.evaluate(OVERFLOW) <= 0, f"the audit log scrolls sideways at {viewport['width']}px"
        data = page.locator(".audit-data").first
        assert data.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the data runs out of its cell"
        box = data.bounding_box()
        assert box["x"] + box["width"] <= viewport["width"], (
            f"the data runs off the page at {viewport['width']}px"
        )
    page.set_viewport_size(DESKTOP)
    me.check("audit log with long data")
