"""Forms of smart routing (the shape of input only; the rules are the services')."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.cases.models import Category


class RecategorizeForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.all(),
        error_messages={"required": _("请选择类别。"), "invalid_choice": _("请从列表中选择类别。")},
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
