"""A DOI is checked for form (Crossref/DataCite syntax, no network lookup) and kept bare and
lower-cased, whatever prefix it was pasted with."""

import pytest
from django.core.exceptions import ValidationError

from applications.after_approval.dois import doi_normalise, validate_doi
from applications.after_approval.forms import DoiFormField


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.1000/xyz123", "10.1000/xyz123"),
        ("10.1038/NATURE12373", "10.1038/nature12373"),
        ("  10.1000/abc  ", "10.1000/abc"),
        ("doi:10.1000/ABC", "10.1000/abc"),
        ("DOI: 10.1000/abc", "10.1000/abc"),
        ("https://doi.org/10.1000/ABC", "10.1000/abc"),
        ("HTTPS://DOI.ORG/10.1000/abc", "10.1000/abc"),
        ("http://dx.doi.org/10.1000/abc", "10.1000/abc"),
        ("https://doi.org/10.1000%2Fabc%3C1%3E", "10.1000/abc<1>"),  # a percent-encoded link
        ("10.123456789/x", "10.123456789/x"),  # a registrant of 9 digits
        ("10.1000.10/abc", "10.1000.10/abc"),  # a sub-part of the registrant
        ("10.1000.10.2/abc", "10.1000.10.2/abc"),
        ("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0",
         "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-0"),  # printable punctuation
        ("10.5281/zenodo.1234567", "10.5281/zenodo.1234567"),
        ("10.1000/a/b/c", "10.1000/a/b/c"),  # a slash inside the suffix
        ("10.1000/é", "10.1000/é"),
        ("", ""),
        ("   ", ""),
        ("10.1000/abc\n", "10.1000/abc"),  # white space around it is trimmed, not refused
    ],
)  # fmt: skip
def test_good_dois_are_kept_bare_and_lower_cased(typed, stored):
    assert doi_normalise(typed) == stored
    validate_doi(stored)  # the stored form passes the model's validator


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("11.1000/abc", "starts with 10."),
        ("1000/abc", "starts with 10."),
        ("10.1000", "separated by /"),
        ("10.1000/", "suffix after / is missing"),
        ("10.123/abc", "not 4 to 9 digits"),  # 3 digits
        ("10.1234567890/abc", "not 4 to 9 digits"),  # 10 digits
        ("10.abcd/abc", "not 4 to 9 digits"),
        ("10.1000./abc", "not 4 to 9 digits"),  # an empty sub-part
        ("10.1000.x/abc", "not 4 to 9 digits"),
        ("10.1000/ab c", "space"),
        ("10.1000/a\u200bb", "invisible"),  # zero-width space
        ("10.1000/a\x00b", "invisible"),
        ("10.1000/a\u202eb", "invisible"),
        ("https://example.org/10.1000/abc", "starts with 10."),
        ("urn:doi:10.1000/abc", "starts with 10."),
        ("https://doi.org/", "starts with 10."),
        ("doi:", "starts with 10."),
    ],
)
def test_bad_dois_are_refused_with_what_is_wrong(typed, problem):
    with pytest.raises(ValidationError) as caught:
        doi_normalise(typed)
    message = " ".join(caught.value.messages)
    assert problem in message
    assert "10.<registrant>/<suffix>" in message


def test_the_model_validator_refuses_a_doi_not_stored_bare_and_lower_cased():
    for value in ("doi:10.1000/abc", "10.1000/ABC", "https://doi.org/10.1000/abc", "nonsense"):
        with pytest.raises(ValidationError):
            validate_doi(value)


def test_the_form_field_cleans_to_the_bare_doi_and_shows_the_problem():
    field = DoiFormField(required=False)
    assert field.clean("https://doi.org/10.1000/ABC") == "10.1000/abc"
    assert field.clean("") == ""
    with pytest.raises(ValidationError) as caught:
        field.clean("10.12/abc")
    assert "not 4 to 9 digits" in caught.value.messages[0]
