"""The one-line text of what ONS is sent: ``one_line_clean`` cleans values the system writes into the
payload, ``one_line_escaped`` (the ``one_line`` filter of the ONS email) shows them visibly."""

import pytest
from django.template import engines

from core.text import one_line_clean, one_line_escaped


@pytest.mark.parametrize(
    ("value", "cleaned", "escaped"),
    [
        ("University of Leeds", "University of Leeds", "University of Leeds"),
        ("Leeds\r\n- Mallory Evil", "Leeds - Mallory Evil", "Leeds\\u000d\\u000a- Mallory Evil"),
        ("Leeds\n\n\tEvil", "Leeds Evil", "Leeds\\u000a\\u000a\\u0009Evil"),
        ("Leeds\x00Evil", "LeedsEvil", "Leeds\\u0000Evil"),
        ("Leeds\x1b[2J\x7f\x85", "Leeds[2J", "Leeds\\u001b[2J\\u007f\\u0085"),
        ("Leeds\u2028Evil\u2029", "Leeds Evil", "Leeds\\u2028Evil\\u2029"),
        ("abc\u202edcba\u202c", "abcdcba", "abc\\u202edcba\\u202c"),
        ("\u2066x\u2069\u202a\u202b\u202d", "x", "\\u2066x\\u2069\\u202a\\u202b\\u202d"),
        (
            "Le\u200beds\u200c\u200d\u200e\u200f\u2060\ufeff",
            "Leeds",
            "Le\\u200beds\\u200c\\u200d\\u200e\\u200f\\u2060\\ufeff",
        ),
        ("Unive\u0301rsite\u0301", "Univérsité", "Univérsité"),  # NFC
        ("  Leeds   University ", "Leeds University", "  Leeds   University "),
        (None, "", ""),
        ("", "", ""),
    ],
)
def testone_line_clean_cleans_for_the_payload_and_escapes_for_the_email(value, cleaned, escaped):
    assert one_line_clean(value) == cleaned
    assert one_line_escaped(value) == escaped
    for text in (one_line_clean(value), one_line_escaped(value)):
        assert len(text.splitlines()) <= 1


def test_the_email_filter_is_the_escaping_one():
    template = engines["text"].from_string("{% load ons_notifications %}[{{ v|one_line }}]")
    assert template.render({"v": "a\r\nb"}) == "[a\\u000d\\u000ab]"
