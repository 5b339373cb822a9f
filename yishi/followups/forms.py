"""Input shapes of the follow-up pages; the rules live in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Unit
from yishi.core.forms import validate_year_range


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input; each is checked by the attachments service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class FollowUpForm(forms.Form):
    content_type = forms.IntegerField(required=False)
    object_id = forms.CharField(max_length=64, required=False)
    parent = forms.IntegerField(required=False)
    title = forms.CharField(label=_("事项"), max_length=200, required=False)
    owner_unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请从列表中选择责任单位。")},
    )
    owner_person = forms.ModelChoiceField(
        label=_("责任人"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请从列表中选择责任人。")},
    )
    deadline = forms.DateField(
        label=_("完成期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入正确的日期。")},
        validators=[validate_year_range],
    )
    working_days = forms.IntegerField(
        label=_("或：工作日天数"),
        required=False,
        min_value=1,
        max_value=1000,
        error_messages={
            "invalid": _("请输入整数。"),
            "min_value": _("工作日天数须在1到1000之间。"),
            "max_value": _("工作日天数须在1到1000之间。"),
        },
    )
    measure = forms.CharField(label=_("计量单位"), max_length=16, required=False)
    target_value = forms.DecimalField(
        label=_("目标值"),
        max_digits=12,
        decimal_places=2,
        required=False,
        error_messages={"invalid": _("请输入数字。")},
    )

    def __init__(self, *args, units=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["owner_unit"].queryset = units
        if people is not None:
            self.fields["owner_person"].queryset = people


class ReportForm(forms.Form):
    progress = forms.IntegerField(
        label=_("进度（%）"),
        required=False,
        error_messages={"invalid": _("请填写0到100之间的进度。")},
    )
    actual_value = forms.DecimalField(
        label=_("实际值"),
        max_digits=12,
        decimal_places=2,
        required=False,
        error_messages={"invalid": _("请输入数字。")},
    )
    note = forms.CharField(label=_("进展说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label=_("办理反馈"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("佐证材料"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=500, required=False)


class VolunteerForm(forms.Form):
    note = forms.CharField(label=_("可参与时间/方式"), max_length=200, required=False)
