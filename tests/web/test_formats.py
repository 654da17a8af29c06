"""Our Vietnamese formats: 1.000 and 45,5; dates dd/mm/yyyy, in output and input."""

import datetime as dt

from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, number_format


def test_numbers_are_grouped_with_dots_and_decimals_use_commas():
    with translation.override("vi"):
        assert number_format(1000, force_grouping=True) == "1.000"
        assert number_format(1234567.8, 1, force_grouping=True) == "1.234.567,8"
        assert number_format(45.5, 1) == "45,5"


def test_templates_group_numbers_by_default():
    with translation.override("vi"):
        out = Template("{% load humanize %}{{ n|intcomma }} {{ x }}").render(
            Context({"n": 1000, "x": 45.5})
        )
    assert out == "1.000 45,5"


def test_dates_print_day_first():
    with translation.override("vi"):
        assert date_format(dt.date(2026, 6, 2), "SHORT_DATE_FORMAT") == "02/06/2026"
        assert date_format(dt.date(2026, 6, 2)) == "02/06/2026"


def test_date_fields_parse_day_first():
    class F(forms.Form):
        d = forms.DateField()

    with translation.override("vi"):
        f = F({"d": "02/06/2026"})
        assert f.is_valid(), f.errors
        assert f.cleaned_data["d"] == dt.date(2026, 6, 2)
        assert not F({"d": "06/31/2026"}).is_valid()


def test_pages_are_vietnamese_even_for_an_english_browser(client, django_user_model):
    django_user_model.objects.create_user("someone")  # past the first-run page
    r = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in r.content.decode() and r["Content-Language"] == "vi"


def test_the_chosen_language_is_kept(client, django_user_model):
    django_user_model.objects.create_user("someone")
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    r = client.get("/login/")
    assert r["Content-Language"] == "en" and "Log in" in r.content.decode()
