"""Input shapes of the notice pages; the rules live in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.areas.models import Area

from .models import NoticeKind


class NoticeForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("公示区域"),
        queryset=Area.objects.none(),
        error_messages={"invalid_choice": _("您不能在这个区域发布公示。"), "required": _("请选择公示区域。")},
    )
    kind = forms.ChoiceField(label=_("类别"), choices=NoticeKind.choices, initial=NoticeKind.GENERAL)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    expires_on = forms.DateField(
        label=_("公示截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("最后一天公示；留空表示长期公示。"),
        error_messages={"invalid": _("请输入正确的日期。")},
    )

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas
            if areas.count() == 1:
                self.fields["area"].initial = areas.first()


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=500, required=False)
