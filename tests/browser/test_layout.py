"""What the eye meets, measured in Chromium: the staff menu is one line at 1280 px; every list of
applications shows its Status column inside a 375 px phone's screen; the audit log's data wraps
instead of running off the page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.services import application_submit
from core.services import audit_record
from panel.services import review_open
from tests.browser_support import DESKTOP, PHONE
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.panel import panel_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

#: The JavaScript that lists each Status cell's left and right edges (by the column headed Status).
STATUS_CELLS = """() => [...document.querySelectorAll('table')].flatMap(table => {
  const headers = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const column = headers.indexOf('Status');
  if (column < 0) return [];
  return [...table.querySelectorAll('tbody tr')].map(row => {
    const box = row.children[column].getBoundingClientRect();
    return {left: box.left, right: box.right, text: row.children[column].textContent.trim()};
  });
})"""

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


def test_every_application_list_shows_its_status_within_a_375px_screen(journey):
    staff = StaffFactory()
    chair = panel_member(chair=True)
    lead = ResearcherFactory(full_name="Dr Bartholomew Featherstonehaugh")
    titles = ["Educational outcomes of children who experienced many placement moves", "Care leavers' health"]
    for i, title in enumerate(titles):
        app = application_submit(
            application=complete_application(ApplicationFactory(lead=lead, title=title)), actor=lead
        )
        if i == 0:
            review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=9))
    ApplicationFactory(lead=lead, title="A draft about kinship care and school attendance")

    for user, path in ((lead, "/applications/"), (chair, "/panel/"), (staff, "/panel/staff/applications/")):
        me = journey(user.role, user=user)
        me.page.set_viewport_size(PHONE)
        me.goto(path)
        cells = me.page.evaluate(STATUS_CELLS)
        assert cells, f"{path}: no Status column"
        for cell in cells:
            assert cell["left"] >= 0, f"{path}: {cell} is off-screen"
            assert cell["right"] <= PHONE["width"], f"{path}: {cell} is off-screen"
        me.check(f"{user.role} applications")
