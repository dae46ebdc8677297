"""Acceptance 5: the footer links both privacy policies on every page; a staff edit shows the new
text and date, keeps the previous version, and never renders raw HTML or script."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.rendering import ALLOWED_TAGS, markdown_to_safe_html
from transparency.enums import InfoPageSlug, TransparencyAuditAction
from transparency.models import InfoPage, InfoPageVersion

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<b onmouseover=alert(1)>bold</b>",
    "<!-- <script>alert(1)</script> -->",
    "![x](https://evil.example/p.png)",
    "<form action=https://evil.example><input name=p></form>",
]


def test_every_seeded_page_exists_after_migrations():
    assert set(InfoPage.objects.values_list("slug", flat=True)) == set(InfoPageSlug.values)
    for page in InfoPage.objects.all():
        assert page.versions.filter(number=1).exists()
        assert len(page.body) > 500


@pytest.mark.parametrize(
    "url_name",
    ["core:home", "accounts:login", "transparency:register", "transparency:page"],
)
def test_footer_links_both_privacy_policies(client, url_name):
    url = reverse(url_name, args=["researcher-guide"] if url_name == "transparency:page" else [])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    footer = html[html.index("<footer") :]
    assert f'href="{reverse("transparency:page", args=["archive-privacy"])}"' in footer
    assert f'href="{reverse("transparency:page", args=["privacy"])}"' in footer


def test_footer_links_are_on_error_and_staff_pages(client, client_for, staff):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert reverse("transparency:page", args=["archive-privacy"]) in response.content.decode()
    response = client_for(staff).get(reverse("transparency:staff_pages"))
    footer = response.content.decode().split("<footer", 1)[1]
    assert reverse("transparency:page", args=["privacy"]) in footer


def test_each_page_is_public_and_shows_its_last_updated_date(client):
    for slug in InfoPageSlug.values:
        response = client.get(reverse("transparency:page", args=[slug]))
        assert response.status_code == 200
        page = InfoPage.objects.get(slug=slug)
        assert "Last updated <time" in response.content.decode()
        assert page.updated_at.strftime("%Y") in response.content.decode()


def test_staff_edit_shows_new_text_and_date_and_keeps_the_previous_version(client, client_for, staff):
    page = InfoPage.objects.get(slug="privacy")
    old_body = page.body
    InfoPage.objects.filter(pk=page.pk).update(updated_at=timezone.now() - timedelta(days=400))
    edit_url = reverse("transparency:page_edit", args=["privacy"])
    response = client_for(staff).post(
        edit_url,
        {
            "title": "Privacy policy",
            "body": "## Changed\n\nWe now keep sign-in records for **one year**.",
            "change_note": "Shorter retention of sign-in records.",
            "base_version": 1,
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.version == 2
    assert page.updated_by == staff
    public = client.get(reverse("transparency:page", args=["privacy"])).content.decode()
    assert "<strong>one year</strong>" in public
    assert timezone.localdate().strftime("%-d %B %Y") in public
    assert "version 2" in public
    previous = InfoPageVersion.objects.get(page=page, number=1)
    assert previous.body == old_body
    old_html = client.get(reverse("transparency:page_version", args=["privacy", 1])).content.decode()
    assert "This is an earlier version" in old_html
    assert "Cookies" in old_html
    history = client.get(reverse("transparency:page_history", args=["privacy"])).content.decode()
    assert "Version 2" in history
    assert "Version 1" in history
    assert "Shorter retention of sign-in records." in history
    event = AuditEvent.objects.get(action=TransparencyAuditAction.PAGE_UPDATED)
    assert event.actor == staff
    assert event.data == {"version": 2, "previous_version": 1}


def test_the_edit_form_starts_from_the_current_text(client_for, staff):
    page = InfoPage.objects.get(slug="researcher-guide")
    html = client_for(staff).get(reverse("transparency:page_edit", args=[page.slug])).content.decode()
    assert f'value="{page.title}"' in html
    assert "What is rejected automatically" in html
    assert f'name="base_version" value="{page.version}"' in html


def test_saving_the_same_text_makes_no_new_version(client_for, staff):
    page = InfoPage.objects.get(slug="dpia-summary")
    client_for(staff).post(
        reverse("transparency:page_edit", args=[page.slug]),
        {"title": page.title, "body": page.body, "base_version": 1},
    )
    page.refresh_from_db()
    assert page.version == 1
    assert page.versions.count() == 1


def test_an_edit_based_on_an_old_version_is_refused_with_a_message(client_for, staff):
    page = InfoPage.objects.get(slug="dpia-summary")
    url = reverse("transparency:page_edit", args=[page.slug])
    client_for(staff).post(url, {"title": page.title, "body": "First edit.", "base_version": 1})
    response = client_for(staff).post(url, {"title": page.title, "body": "Second edit.", "base_version": 1})
    assert response.status_code == 200
    assert "Someone else published version 2" in response.content.decode()
    page.refresh_from_db()
    assert page.body == "First edit."


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markdown_never_renders_as_html_or_script(client, client_for, staff, hostile):
    client_for(staff).post(
        reverse("transparency:page_edit", args=["researcher-guide"]),
        {"title": "Guide", "body": f"Intro\n\n{hostile}\n\nEnd", "base_version": 1},
    )
    html = client.get(reverse("transparency:page", args=["researcher-guide"])).content.decode()
    body = html.split('class="info-page-body">', 1)[1].split("</main>", 1)[0]
    tags = re.findall(r"<([a-z0-9]+)([^>]*)>", body.lower())
    assert {name for name, _ in tags} <= ALLOWED_TAGS
    for _name, attrs in tags:
        assert not re.search(r"\son[a-z]+\s*=", attrs)
        assert "style=" not in attrs
        assert "javascript:" not in attrs
        assert "data:" not in attrs


def test_raw_html_in_markdown_is_shown_as_text():
    html = markdown_to_safe_html("Say <b>hello</b> and <script>alert(1)</script>")
    assert "&lt;b&gt;hello&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html
    assert "<b>" not in html
    assert "<script>" not in html


def test_markdown_features_staff_need_still_render():
    html = markdown_to_safe_html(
        "# Top\n\n## Section\n\n- one\n- two\n\n| Risk | Measure |\n|---|---|\n| a | b |\n\n"
        "[ICO](https://ico.org.uk) and <dpo@example.org>"
    )
    assert "<h2>Top</h2>" in html
    assert "<h1>" not in html
    assert "<li>one</li>" in html
    assert "<table>" in html
    assert "<th>Risk</th>" in html
    assert 'href="https://ico.org.uk"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "mailto:" in html or "&#" in html  # Markdown obfuscates the address in a mailto link


def test_only_staff_may_edit_pages(client, client_for, researcher, member):
    url = reverse("transparency:page_edit", args=["privacy"])
    assert client.get(url).status_code == 302  # sign in first
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(member).get(url).status_code == 403
    assert client_for(researcher).post(url, {"title": "x", "body": "y", "base_version": 1}).status_code == 403
    assert InfoPage.objects.get(slug="privacy").version == 1


def test_unknown_page_and_version_answer_404(client):
    assert client.get(reverse("transparency:page", args=["nope"])).status_code == 404
    assert client.get(reverse("transparency:page_version", args=["privacy", 99])).status_code == 404


def _argument_free_paths():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route:
                yield "/" + (prefix + route).lstrip("^").rstrip("$").replace("\\", "")

    return sorted({p for p in walk(get_resolver().url_patterns) if not p.startswith("/admin")})


def test_every_html_page_links_both_privacy_policies_in_its_footer(client, client_for, staff, researcher):
    archive = f'href="{reverse("transparency:page", args=["archive-privacy"])}"'
    site = f'href="{reverse("transparency:page", args=["privacy"])}"'
    checked = set()
    for visitor in (client, client_for(staff), client_for(researcher)):
        for path in _argument_free_paths():
            response = visitor.get(path)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            html = response.content.decode()
            if "<footer" not in html:
                continue  # a fragment, not a page
            footer = html[html.index("<footer") :]
            assert archive in footer, path
            assert site in footer, path
            checked.add(path)
    assert {"/", "/register/", "/oversight/"} <= checked
    assert len(checked) >= 10


def test_a_version_page_shows_what_changed_from_the_previous_one(client, client_for, staff):
    page = InfoPage.objects.get(slug="privacy")
    body = page.body.replace("Accounts are closed after three years", "Accounts are closed after two years")
    client_for(staff).post(
        reverse("transparency:page_edit", args=["privacy"]),
        {"title": page.title, "body": body, "base_version": 1},
    )
    html = client.get(reverse("transparency:page_version", args=["privacy", 2])).content.decode()
    assert "What changed from version 1" in html
    assert re.search(
        r'<li class="diff-old"><span class="visually-hidden">Removed: </span>&minus; Accounts are closed',
        html,
    )
    assert re.search(
        r'<li class="diff-new"><span class="visually-hidden">Added: </span>\+ Accounts are closed after two',
        html,
    )
    assert (
        "What changed"
        not in client.get(reverse("transparency:page_version", args=["privacy", 1])).content.decode()
    )
