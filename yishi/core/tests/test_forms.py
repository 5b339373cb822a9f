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


@pytest.mark.django_db
@pytest.mark.parametrize("required", [True, False])
def test_quick_choices_offer_and_accept_what_the_model_select_does(required, django_assert_num_queries):
    """A model select given its options by quick_choices writes Django's markup from one two-column query,
    and validates against the same queryset (an option outside it is refused, field-level)."""
    from yishi.cases.models import Category
    from yishi.core.forms import quick_choices

    for n, name in enumerate(["噪音扰民", "楼道<照明>", "停车"]):
        Category.objects.create(key=f"k{n}", name=name, order=n, is_active=n != 2)

    def make(data=None, quick=True):
        class PickForm(forms.Form):
            category = forms.ModelChoiceField(
                queryset=Category.objects.filter(is_active=True).order_by("order"), required=required
            )

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if quick:
                    quick_choices(self.fields["category"])

        return PickForm(data)

    chosen = Category.objects.get(key="k1")
    with django_assert_num_queries(1):  # the options (unbound: no validation query)
        str(make()["category"])
    html = str(make({"category": chosen.pk})["category"])
    plain = re.sub(r">\s+<", "><", str(make({"category": chosen.pk}, quick=False)["category"]).strip())
    assert html == plain
    assert "楼道&lt;照明&gt;" in html and "停车" not in html
    assert make({"category": chosen.pk}).is_valid()
    hidden = make({"category": Category.objects.get(key="k2").pk})
    assert not hidden.is_valid() and "category" in hidden.errors
