"""In Chromium: the lay summary's live counter counts as the submission check does (it reads the
server's word pattern from the field), also for text glued with invisible characters."""

import pytest
from django.urls import reverse

from applications.enums import ApplicationSection
from applications.sections import word_count
from tests.browser_support import session_cookie
from tests.factories.applications import ApplicationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]

TEXTS = [
    "\u2800".join(["word"] * 600),
    "\u3164".join(["word"] * 450),
    "\u200b".join(["word"] * 301),
    "Children in care, and care leavers: don't forget well-being in 2026.",
    "cafe\u0301 naïve 日本語",
    "  \u2014 ... ",
]


def test_the_live_word_counter_agrees_with_the_submission_check(chromium, live_server, researcher):
    application = ApplicationFactory(lead=researcher)
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        context.add_cookies([session_cookie(researcher, live_server.url)])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        url = reverse(
            "applications:section", kwargs={"pk": application.pk, "section": ApplicationSection.PROJECT}
        )
        assert page.goto(url).status == 200
        counter = page.locator("#id_lay_summary-word-count")
        for text in TEXTS:
            page.fill("#id_lay_summary", text)
            assert counter.text_content() == f"{word_count(text)} of 300 words", text[:40]
        assert errors == []
    finally:
        context.close()
