"""Forms of the council pages: input shape only; the rules are in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.areas.models import Unit
from yishi.core.forms import validate_year_range
from yishi.meetings.models import Choice, QuorumRule, ThresholdRule

from .models import MeetingFrequency, TopicSource

TASK_ROWS = 4


class ProposeForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=120)
    description = forms.CharField(label=_("议题说明"), widget=forms.Textarea(attrs={"rows": 4}))


class StaffProposeForm(ProposeForm):
    source = forms.ChoiceField(label=_("来源"), choices=TopicSource.choices)
    source_case = forms.ModelChoiceField(label=_("转来的诉求"), queryset=None, required=False)
    proposer = forms.ModelChoiceField(label=_("提议人"), queryset=None, required=False)

    def __init__(self, *args, cases=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_case"].queryset = cases
        self.fields["proposer"].queryset = people


class ScopeCheckForm(forms.Form):
    in_scope = forms.TypedChoiceField(
        label=_("审查结论"),
        choices=[("1", _("属于议事范围，立项")), ("0", _("超出议事范围"))],
        coerce=lambda v: v == "1",
    )
    scope_item = forms.ModelChoiceField(label=_("议事范围"), queryset=None, required=False)
    pass_up = forms.BooleanField(label=_("报上级处理"), required=False)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, scope_items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_item"].queryset = scope_items


class PublishForm(forms.Form):
    opinion_days = forms.IntegerField(label=_("征求意见期（天）"), min_value=0, max_value=365)


class EmptyForm(forms.Form):
    pass


class CloseOpinionsForm(forms.Form):
    early = forms.BooleanField(label=_("提前结束征求意见"), required=False)
    reason = forms.CharField(
        label=_("提前结束的理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AgendaForm(forms.Form):
    meeting = forms.ModelChoiceField(label=_("会议"), queryset=None)

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class OpenVoteForm(forms.Form):
    secret = forms.BooleanField(label=_("无记名表决"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("上级答复"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CompleteForm(forms.Form):
    summary = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TasksForm(forms.Form):
    """Up to four follow-up tasks: title, owner unit, working days, measure and target figure."""

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(TASK_ROWS):
            self.fields[f"title_{i}"] = forms.CharField(label=_("任务"), max_length=200, required=False)
            self.fields[f"owner_unit_{i}"] = forms.ModelChoiceField(
                label=_("责任单位"),
                queryset=units if units is not None else Unit.objects.none(),
                required=False,
            )
            self.fields[f"working_days_{i}"] = forms.IntegerField(
                label=_("期限（工作日）"), min_value=1, max_value=1000, required=False
            )
            self.fields[f"measure_{i}"] = forms.CharField(label=_("计量单位"), max_length=16, required=False)
            self.fields[f"target_value_{i}"] = forms.DecimalField(
                label=_("目标值"), max_digits=12, decimal_places=2, min_value=0, required=False
            )

    def tasks(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "title": data[f"title_{i}"],
                "owner_unit": data[f"owner_unit_{i}"],
                "working_days": data[f"working_days_{i}"],
                "measure": data[f"measure_{i}"],
                "target_value": data[f"target_value_{i}"],
            }
            for i in range(TASK_ROWS)
            if (data.get(f"title_{i}") or "").strip()
        ]

    def rows(self):
        return [
            [
                self[f"{name}_{i}"]
                for name in ("title", "owner_unit", "working_days", "measure", "target_value")
            ]
            for i in range(TASK_ROWS)
        ]


class AdhocMeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=120)
    scheduled_at = forms.DateTimeField(
        label=_("召开时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[validate_year_range],
    )
    location = forms.CharField(label=_("地点"), max_length=120, required=False)


class ScheduleRegularForm(forms.Form):
    start = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        validators=[validate_year_range],
    )


class SignInCodeForm(forms.Form):
    code = forms.CharField(label=_("签到码"), max_length=6)


class ParticipantForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput)


class RecordBallotForm(forms.Form):
    vote = forms.IntegerField(widget=forms.HiddenInput)
    participant = forms.IntegerField(label=_("成员"))
    choice = forms.ChoiceField(label=_("意见"), choices=Choice.choices)


class CastForm(forms.Form):
    vote = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=_("意见"), choices=Choice.choices)


class VoteForm(forms.Form):
    vote = forms.IntegerField(widget=forms.HiddenInput)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    outcome = forms.CharField(label=_("会议结果"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


# ---------------------------------------------------------------- council setup (staff)


class CharterForm(forms.Form):
    quorum_rule = forms.ChoiceField(label=_("法定人数"), choices=QuorumRule.choices)
    threshold_rule = forms.ChoiceField(label=_("表决通过规则"), choices=ThresholdRule.choices)
    meeting_frequency = forms.ChoiceField(label=_("例会频次"), choices=MeetingFrequency.choices)
    min_opinion_days = forms.IntegerField(label=_("最短征求意见期（天）"), min_value=0, max_value=365)
    text = forms.CharField(label=_("章程正文"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ScopeItemForm(forms.Form):
    name = forms.CharField(label=_("事项类别"), max_length=60)
    description = forms.CharField(label=_("说明"), max_length=255, required=False)


class MemberAddForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员"), queryset=None)
    capacity = forms.CharField(label=_("身份"), max_length=40, initial="党员")
    group = forms.CharField(label=_("居民小组"), max_length=40, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class MemberRemoveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class PartyMembersForm(forms.Form):
    group = forms.CharField(label=_("居民小组"), max_length=40, required=False)


class InviteForm(forms.Form):
    person = forms.ModelChoiceField(label=_("列席人员"), queryset=None)
    capacity = forms.CharField(label=_("身份"), max_length=60, initial="列席")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
