"""Input shapes of the opinion pages; the rules live in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Unit

from .models import ResearchConclusion

PARTY_CHOICES = [("", "-"), ("1", _("亮明党员身份")), ("0", _("不亮明党员身份"))]


class SubjectForm(forms.Form):
    """Which record the opinion is about: a content type id and the record's id."""

    content_type = forms.IntegerField()
    object_id = forms.CharField(max_length=64)


class OnlineOpinionForm(SubjectForm):
    text = forms.CharField(label=_("意见内容"), max_length=2000, required=False, widget=forms.Textarea)
    author_unit = forms.ModelChoiceField(
        label=_("以单位名义"),
        queryset=Unit.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("您只能以自己所在单位的名义提交意见。")},
    )
    shows_party_identity = forms.TypedChoiceField(
        label=_("亮明党员身份"),
        choices=PARTY_CHOICES,
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class PaperOpinionForm(SubjectForm):
    author_name = forms.CharField(label=_("署名"), max_length=60, required=False)
    text = forms.CharField(label=_("意见内容"), max_length=2000, required=False, widget=forms.Textarea)


class ResearchForm(forms.Form):
    researcher = forms.ModelChoiceField(
        label=_("调研人"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请从列表中选择调研人。")},
    )
    method = forms.CharField(label=_("调研方式"), max_length=60, required=False)
    finding = forms.CharField(label=_("调研情况"), required=False, widget=forms.Textarea)
    conclusion = forms.ChoiceField(
        label=_("结论"),
        choices=[("", "-")] + list(ResearchConclusion.choices),
        required=False,
        error_messages={"invalid_choice": _("请选择调研结论。")},
    )
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea)

    def __init__(self, *args, researchers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if researchers is not None:
            self.fields["researcher"].queryset = researchers
