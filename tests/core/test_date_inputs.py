"""Every date and date-time field of every form and filter of the portal renders a saved value the
way a browser's date input takes it (ISO), and the value the browser sends back unchanged is the
same date: saving a form again never erases a date."""

import re
from datetime import date, datetime
from importlib import import_module

import pytest
from django import forms
from django.utils import timezone
from django_filters import FilterSet

from applications.enums import ApplicationSection
from applications.forms import section_form_class
from core.widgets import DateInput, DateTimeLocalInput

APPS = ("core", "accounts", "deposits", "applications", "panel", "notifications", "transparency")
MODULES = [f"{app}.{kind}" for app in APPS for kind in ("forms", "filters")]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _portal_form_fields():
    """(form or filter name, field name, form field) for every field of the portal's forms."""
    for dotted in MODULES:
        try:
            import_module(dotted)
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                raise
    classes = [section_form_class(section) for section in ApplicationSection.values]
    classes += [c for c in _subclasses(forms.BaseForm) if c.__module__.split(".")[0] in APPS]
    for cls in classes:
        for name, field in getattr(cls, "base_fields", {}).items():
            yield f"{cls.__module__}.{cls.__qualname__}", name, field
    for cls in _subclasses(FilterSet):
        if cls.__module__.split(".")[0] in APPS:
            for name, declared in cls.base_filters.items():
                yield f"{cls.__module__}.{cls.__qualname__}", name, declared.field


def _date_fields():
    found = {}
    for owner, name, field in _portal_form_fields():
        if isinstance(field, forms.DateTimeField | forms.DateField):
            found.setdefault(f"{owner}.{name}", field)
    return [pytest.param(field, id=key) for key, field in sorted(found.items())]


def _rendered_value(html: str) -> str:
    return re.search(r'value="([^"]*)"', html).group(1)


def test_the_check_finds_the_date_fields_people_reported():
    ids = {p.id for p in _date_fields()}
    assert {
        "applications.forms.ProjectSectionForm.access_start",
        "applications.forms.ProjectSectionForm.access_end",
        "accounts.forms.ResearcherProfileForm.accreditation_expires_on",
        "panel.forms.OpenReviewForm.voting_deadline",
        "transparency.filters.DashboardFilter.submitted_from",
    } <= ids


@pytest.mark.parametrize("field", _date_fields())
def test_a_saved_date_renders_in_iso_and_comes_back_unchanged(field, settings):
    settings.LANGUAGE_CODE = "en-gb"  # the portal's: a localised date would read 31/12/2026
    if isinstance(field, forms.DateTimeField):
        assert isinstance(field.widget, DateTimeLocalInput)
        saved = datetime(2026, 12, 31, 17, 30, tzinfo=timezone.get_current_timezone())
        html = field.widget.render("when", timezone.localtime(saved))
        assert 'type="datetime-local"' in html
        assert _rendered_value(html) == "2026-12-31T17:30"
    else:
        assert isinstance(field.widget, DateInput)
        saved = date(2026, 12, 31)
        html = field.widget.render("when", saved)
        assert 'type="date"' in html
        assert _rendered_value(html) == "2026-12-31"
    assert field.clean(_rendered_value(html)) == saved


# --- the Select that writes its options in Python (issue 19) -------------------------------------


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", "b", "<&>", ["a", "<&>"]])
@pytest.mark.parametrize("multiple", [False, True])
def test_select_writes_the_same_markup_as_djangos_select(value, multiple):
    from django import forms

    from core.widgets import Select

    choices = [
        ("", "Any deposit"),
        ("a", "Alpha"),
        ("b", 'B "quoted" & <b>bold</b>'),
        ("<&>", "Odd value"),
        ("Group", [("g1", "In a group"), ("g2", "Also")]),
        (3, "A number"),
    ]
    attrs = {"id": "id_deposit", "class": "form-select", "required": True, "aria-describedby": "help"}
    django_cls = forms.SelectMultiple if multiple else forms.Select
    ours_cls = type("Ours", (Select,), {"allow_multiple_selected": multiple})
    theirs = django_cls(choices=choices).render("deposit", value, attrs)
    ours = ours_cls(choices=choices).render("deposit", value, attrs)
    assert _tags(ours) == _tags(theirs)
    assert "<b>" not in ours  # labels are escaped


def test_the_dashboard_and_register_deposit_filters_use_it():
    from core.widgets import Select
    from transparency.filters import DashboardFilter, RegisterFilter

    for filterset in (DashboardFilter, RegisterFilter):
        assert isinstance(filterset.base_filters["deposit"].field.widget, Select)
