"""Small steps the journeys share: typing as a person does, saving a section of the application."""

from datetime import timedelta

from django.utils import timezone


def type_in(locator, text: str) -> None:
    """Click the field and type the text key by key (input events fire as they do for a person)."""
    locator.click()
    locator.press_sequentially(text)


def save_section(page, label: str) -> None:
    page.get_by_role("button", name="Save this section").click()
    page.get_by_text(f"{label} is saved.").wait_for()


def access_dates() -> tuple[str, str]:
    today = timezone.localdate()
    return (today + timedelta(days=30)).isoformat(), (today + timedelta(days=365)).isoformat()


def sign_in_with_code(j, email: str, password: str, code: str) -> None:
    """The real two-step sign-in, typed: the password page, then the code from the authenticator app."""
    j.sign_in(email, password)
    j.page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    j.page.get_by_label("Code").fill(code)  # the label reads "Code*" (required)
    j.page.get_by_role("button", name="Continue").click()
    j.page.wait_for_load_state()
