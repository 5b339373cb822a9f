"""Shared form pieces: the Python-rendered select and choice labels."""

import re

import pytest
from django import forms
from django.db import models

from yishi.core.choices import choice_label
from yishi.core.forms import QuickSelect


class Colour(models.TextChoices):
    RED = "red", "红色"


class ColourForm(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "全部"), ("red", "红<色>"), ("组", [("a", "甲"), ("b", "乙")])],
        required=False,
        widget=QuickSelect,
    )


def _django_markup(data) -> str:
    class Plain(ColourForm):
        colour = forms.ChoiceField(choices=ColourForm.base_fields["colour"].choices, required=False)

    return re.sub(r">\s+<", "><", str(Plain(data)["colour"]).strip())


@pytest.mark.parametrize("data", [{"colour": "b"}, {"colour": "red"}, None])
def test_quick_select_writes_the_markup_of_django_s_select(data):
    html = str(ColourForm(data)["colour"])
    assert html == _django_markup(data)
    assert '<option value="red">红&lt;色&gt;</option>' in html or 'value="red" selected>红&lt;色&gt;' in html
    assert html.count(" selected") == 1


@pytest.mark.parametrize(("value", "label"), [("red", "红色"), ("gone", "gone"), (None, None)])
def test_choice_label_is_the_enum_label_or_the_value_itself(value, label):
    assert choice_label(Colour, value) == label
