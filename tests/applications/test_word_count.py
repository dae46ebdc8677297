"""Words are counted as a reader counts them, by one pattern that the submission check and the live
counter share (issue 14 item 7: 600 words glued with invisible characters passed a 300-word limit)."""

import pytest

from applications.sections import word_count
from applications.services import application_submit
from core.errors import DomainError
from tests.factories.applications import ApplicationFactory, complete_application

GLUE = {"braille-blank": "\u2800", "hangul-filler": "\u3164", "zero-width-space": "\u200b", "nbsp": "\u00a0"}


@pytest.mark.parametrize("glue", GLUE.values(), ids=GLUE.keys())
def test_words_glued_with_blank_or_invisible_characters_are_each_counted(glue):
    assert word_count(glue.join(["word"] * 600)) == 600


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("\u2014 \u2013 ... !!", 0),  # dashes and punctuation
        ("Children in care, and care leavers.", 6),
        ("don't well-being 2026", 3),
        ("cafe\u0301 naïve", 2),  # a combining accent belongs to its letter
        ("日本語 テキスト", 2),
    ],
)
def test_word_count_counts_what_a_reader_sees(text, words):
    assert word_count(text) == words


@pytest.mark.django_db
@pytest.mark.parametrize("glue", GLUE.values(), ids=GLUE.keys())
def test_submit_refuses_600_words_glued_with_invisible_characters(researcher, glue):
    application = complete_application(
        ApplicationFactory(lead=researcher), lay_summary=glue.join(["word"] * 600)
    )
    with pytest.raises(DomainError, match=r"The lay summary has 600 words; the limit is 300\."):
        application_submit(application=application, actor=researcher)
