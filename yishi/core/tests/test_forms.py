"""Shared form pieces: the Python-rendered select and choice labels."""

import re

import pytest
from django import forms
from django.db import models

from yishi.core.choices import choice_label
from yishi.core.forms import QuickCheckboxInput, QuickSelect, QuickTextInput


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


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=20, widget=QuickTextInput(attrs={"placeholder": "编号"}))
    open = forms.BooleanField(required=False, widget=QuickCheckboxInput)


class PlainSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=20, widget=forms.TextInput(attrs={"placeholder": "编号"}))
    open = forms.BooleanField(required=False)


@pytest.mark.parametrize("data", [None, {}, {"q": '"噪音" <b>', "open": "on"}, {"q": "12", "open": ""}])
@pytest.mark.parametrize("name", ["q", "open"])
def test_quick_inputs_write_the_markup_of_django_s_inputs(data, name):
    """The same type, value (escaped), attributes and checked state as Django's templates write."""
    assert str(SearchForm(data)[name]) == str(PlainSearchForm(data)[name]).strip()


def test_quick_select_marks_the_chosen_option_each_time_from_the_same_options():
    """Options written once are reused: each rendering marks only its own choice."""
    choices = [("", "全部"), (1, "一"), (2, "二"), (True, "一")]
    select = QuickSelect(choices=choices)
    first, second = select.render("x", 1), select.render("x", 2)
    assert first.count(" selected") == second.count(" selected") == 1
    assert '<option value="1" selected>一</option>' in first
    assert '<option value="2" selected>二</option>' in second
    assert '<option value="True">一</option>' in second
    assert (
        QuickSelect(choices=[(1, "一")]).render("x", None)
        == '<select name="x"><option value="1">一</option></select>'
    )


def test_quick_select_writes_a_lazy_label_in_the_active_language():
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    select = QuickSelect(choices=[("", gettext_lazy("全部"))])
    with translation.override("zh-hans"):
        chinese = select.render("x", None)
    with translation.override("en"):
        english = select.render("x", None)
    assert ">全部<" in chinese
    assert ">全部<" not in english


def test_quick_choices_from_pairs_are_not_walked_again(monkeypatch):
    """Options given as pairs read are kept as they are (no walk of every option by ``normalize_choices``,
    also when the form's fields are copied), and read back as the same pairs."""
    import copy

    from django.forms import widgets

    from yishi.core.forms import quick_choices_from

    field = forms.ModelChoiceField(queryset=None, required=False)
    walked = []
    plain = widgets.normalize_choices
    monkeypatch.setattr(
        widgets, "normalize_choices", lambda value, **kw: walked.append(value) or plain(value, **kw)
    )
    quick_choices_from(field, [(1, "甲"), (2, "乙<")])
    copied = copy.deepcopy(field)
    assert list(copied.widget.choices) == [("", field.empty_label), (1, "甲"), (2, "乙<")]
    assert all(not isinstance(v, list) for v in walked)  # handed over as they are, not walked as a list
    assert '<option value="2">乙&lt;</option>' in copied.widget.render("pick", None)


@pytest.mark.django_db
def test_an_offered_choice_is_validated_without_a_query(django_assert_num_queries):
    """Given every row as its options, the select accepts one of their keys with no query and returns the
    row with only its key loaded (the rest read when used); anything else is refused as Django refuses it."""
    from yishi.cases.models import Category
    from yishi.core.forms import OfferedModelChoiceField, quick_choices_from

    chosen = Category.objects.create(key="k1", name="噪音扰民", order=1)

    class PickForm(forms.Form):
        category = OfferedModelChoiceField(queryset=Category.objects.all(), required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            quick_choices_from(self.fields["category"], [(chosen.pk, chosen.name)], every=True)

    with django_assert_num_queries(0):
        form = PickForm({"category": str(chosen.pk)})
        assert form.is_valid()
        picked = form.cleaned_data["category"]
        assert picked.pk == chosen.pk and picked.get_deferred_fields() >= {"name", "key"}
        assert PickForm({"category": ""}).is_valid()
    with django_assert_num_queries(1):  # a field other than the key is read when used
        assert picked.name == "噪音扰民"
    for wrong in ["abc", str(chosen.pk + 1), "1.5", str(10**30)]:
        form = PickForm({"category": wrong})
        with django_assert_num_queries(0):
            assert not form.is_valid()
        assert form.errors["category"] == [
            forms.ModelChoiceField.default_error_messages["invalid_choice"] % {"value": wrong}
        ]
