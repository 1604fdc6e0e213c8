"""A browser's date box accepts only YYYY-MM-DD: every date widget renders its value that way in Chinese."""

import datetime

import pytest
from django import forms
from django.utils import translation


class AnyDates(forms.Form):
    # a plain widget, with no format of its own: what a new form would write
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(widget=forms.DateTimeInput())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_plain_date_widget_renders_an_iso_date_the_browser_can_show(language):
    with translation.override(language):
        form = AnyDates(initial={"day": datetime.date(2026, 11, 25)})
        html = str(form["day"])

    assert 'value="2026-11-25"' in html


def test_dates_typed_the_chinese_way_are_still_accepted():
    with translation.override("zh-hans"):
        form = AnyDates(data={"day": "2026/11/25", "moment": "2026/11/25 09:30"})

        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2026, 11, 25)
