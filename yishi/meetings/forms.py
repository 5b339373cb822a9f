"""Forms of the meeting page. They only shape input; every rule is in ``services``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Unit
from yishi.core import permissions

from .models import Choice, Meeting, VoteStatus


class InviteForm(forms.Form):
    """邀请参会: a person found by phone number or by name among the people the staff may see, and/or a unit."""

    person = forms.CharField(
        label=_("参会人员"), max_length=50, required=False, help_text=_("填写姓名或手机号。")
    )
    unit = forms.ModelChoiceField(label=_("参会单位"), queryset=Unit.objects.none(), required=False)
    capacity = forms.CharField(label=_("身份"), max_length=60, required=False)
    is_member = forms.BooleanField(label=_("表决成员（计入法定人数）"), required=False)

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = Unit.objects.filter(area__path__startswith=meeting.area.path).order_by(
            "name"
        )

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        if not text:
            return None
        people = permissions.scoped(
            Person.objects.all(), self.user, permissions.VIEW_PERSON, "home_area__path"
        )
        matches = list(people.filter(Q(phone=text) | Q(name=text))[:2])
        if not matches:
            raise forms.ValidationError(_("没有找到这个人，请核对姓名或手机号。"))
        if len(matches) > 1:
            raise forms.ValidationError(_("有多位同名人员，请填写手机号。"))
        return matches[0]


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("议程"), max_length=200, required=False)


class EmptyForm(forms.Form):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500, required=False, widget=forms.Textarea)


class RecordForm(forms.Form):
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea)
    outcome = forms.CharField(label=_("会议结果"), required=False, widget=forms.Textarea)


class SignInForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("参会人员"), queryset=None)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = meeting.participants.all()


class OpenVoteForm(forms.Form):
    agenda_item = forms.ModelChoiceField(label=_("议程"), queryset=None)
    secret = forms.BooleanField(label=_("无记名表决"), required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda.all()


class CloseVoteForm(forms.Form):
    vote = forms.ModelChoiceField(label=_("表决"), queryset=None)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Vote

        self.fields["vote"].queryset = Vote.objects.filter(
            agenda_item__meeting=meeting, status=VoteStatus.OPEN
        )


class RecordVoteForm(CloseVoteForm):
    participant = forms.ModelChoiceField(label=_("表决成员"), queryset=None)
    choice = forms.ChoiceField(label=_("意见"), choices=Choice.choices, widget=forms.RadioSelect)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["participant"].queryset = meeting.participants.all()


class CastForm(forms.Form):
    choice = forms.ChoiceField(label=_("您的意见"), choices=Choice.choices, widget=forms.RadioSelect)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"),
        max_length=6,
        min_length=6,
        help_text=_("请输入会场公布的6位签到码。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
