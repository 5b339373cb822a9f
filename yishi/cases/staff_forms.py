"""Forms of the staff case pages: input shape only; every rule is in ``cases.services``.

Each action form on the case page is built by ``action_form(name, case, user, data)`` so the page and the
``act`` view make them the same way (the choices depend on the case and the user).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import LEVEL_ORDER, Area, Level, Unit, subtree_q
from yishi.core import caching, permissions
from yishi.core.forms import (
    OfferedModelChoiceField,
    QuickCheckboxInput,
    QuickSelect,
    QuickTextInput,
    quick_choices,
    quick_choices_from,
)

from .models import Category, Channel, ReplyChannel, Step, Urgency
from .workflow import Status

OFFLINE_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value not in (Channel.OPINION_BOX, Channel.OPEN311, Channel.API)
]
JOINT_PARTIES = [
    ("party", _("党组织")),
    ("committee", _("居委会")),
    ("property", _("物业公司")),
    ("owners", _("业主委员会")),
    ("units", _("辖区单位")),
]


def _text(label, *, required=True, rows=3, max_length=2000):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def serving_units(area: Area):
    """Units that serve ``area``: located above it (a district bureau) or within its subtree."""
    return (
        Unit.objects.filter(is_active=True)
        .filter(Q(area_id__in=area.ancestor_ids()) | subtree_q(area.path, "area__path"))
        .select_related("area")
        .order_by("area__depth", "name")
    )


def _serving_unit_options(area: Area) -> list[tuple]:
    """(pk, name) of ``serving_units(area)``, from the cache (``core.caching``): the case page offers them in
    several action forms, and they change only when a unit or an area does."""
    return caching.remembered(
        "serving-units", [area.pk], [Unit, Area], lambda: list(serving_units(area).values_list("pk", "name"))
    )


def _nearby_people(area: Area):
    """At most 300 people living in ``area``'s subtree, by name: whom a joint meeting may invite (a select,
    not a search)."""
    nearby = Person.objects.filter(subtree_q(area.path, "home_area__path"))
    return Person.objects.filter(pk__in=nearby.order_by("name").values("pk")[:300]).order_by("name")


def _nearby_people_options(area: Area) -> list[tuple]:
    """(pk, name) of ``_nearby_people(area)``, from the cache, like ``_serving_unit_options``."""
    return caching.remembered(
        "nearby-people",
        [area.pk],
        [Person, Area],
        lambda: list(_nearby_people(area).values_list("pk", "name")),
    )


# ---------------------------------------------------------------- lists and intake


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + Status.choices, widget=QuickSelect
    )
    open = forms.BooleanField(label=_("只看未办结"), required=False, widget=QuickCheckboxInput)
    area = forms.ModelChoiceField(
        label=_("区域"), required=False, queryset=Area.objects.none(), widget=QuickSelect
    )
    # Validated against the options, which hold every category (``OfferedModelChoiceField``).
    category = OfferedModelChoiceField(
        label=_("类别"), required=False, queryset=Category.objects.all(), widget=QuickSelect
    )
    q = forms.CharField(label=_("编号或内容"), required=False, max_length=100, widget=QuickTextInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grants = [g.area for g in permissions.active_grants(user) if g.area_id]

        def scoped_areas():
            # Any district, street, community or grid in scope is a valid filter (links may name one).
            condition = Q(pk__in=[])
            for area in grants:
                condition |= subtree_q(area.path, "path")
            scoped = Area.objects.all() if permissions.is_superadmin(user) else Area.objects.filter(condition)
            return scoped.filter(
                level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
            ).order_by("path")

        field = self.fields["area"]
        if self.is_bound and self.data.get(self.add_prefix("area")):
            # Built only when an area is chosen, the one time it is read (to validate the choice): the
            # filters of a scope spanning several grants cost more to build than the rest of the form.
            field.queryset = scoped_areas()
        # The select offers the user's areas and the two levels below each: a city holds tens of thousands
        # of areas, and rendering them all would be most of the page's cost.
        tops = None if permissions.is_superadmin(user) else sorted(a.pk for a in grants)
        areas, categories = caching.remembered(
            "case-filter",
            ["all" if tops is None else ".".join(map(str, tops))],
            [Area, Category],
            lambda: _filter_options(scoped_areas(), tops),
        )
        quick_choices_from(field, areas)
        quick_choices_from(self.fields["category"], categories, every=True)


def _filter_options(scoped_areas, tops: list[int] | None) -> tuple[list, list]:
    """The (pk, name) options of the case filter: the areas ``tops`` (None: the roots of the tree) and two
    levels below them within ``scoped_areas``, and every category. Found by parent (an index), not by depth
    within the subtree, which read every area of a city to keep fifty; as pairs, since building a model
    instance per option cost more than the query."""
    if tops is None:
        tops = list(Area.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    children = list(Area.objects.filter(parent_id__in=tops).values_list("pk", flat=True))
    offered = scoped_areas.filter(Q(pk__in=tops) | Q(parent_id__in=tops + children))
    return list(offered.values_list("pk", "name")), list(Category.objects.values_list("pk", "name"))


class RecordForm(forms.Form):
    """登记: a case taken on an offline channel by someone working in the area."""

    channel = forms.ChoiceField(label=_("渠道"), choices=OFFLINE_CHANNELS)
    area = forms.ModelChoiceField(label=_("所在区域"), queryset=Area.objects.none())
    address = forms.CharField(label=_("详细地址"), required=False, max_length=255)
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("按内容智能建议"),
    )
    title = forms.CharField(label=_("标题"), max_length=120)
    text = _text(_("内容"), rows=5, max_length=4000)
    reporter_name = forms.CharField(label=_("反映人姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    parties = forms.CharField(label=_("涉及方"), required=False, max_length=255)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import RECORDERS

        condition = Q(pk__in=[])
        for g in permissions.active_grants(user):
            if g.role in RECORDERS:
                condition |= subtree_q(g.area.path, "path")
        qs = Area.objects.all() if permissions.is_superadmin(user) else Area.objects.filter(condition)
        levels = [lvl for lvl, order in LEVEL_ORDER.items() if order >= LEVEL_ORDER[Level.COMMUNITY]]
        quick_choices(self.fields["area"], qs.filter(level__in=levels, is_active=True).order_by("path"))
        quick_choices(self.fields["category"])

    def clean(self):
        """No category chosen: the top routing suggestion for the title and text pre-fills it."""
        data = super().clean()
        if not data.get("category") and data.get("title") and data.get("text"):
            from .routing import intake_category

            data["category"] = intake_category(f"{data['title']} {data['text']}")
            if data["category"] is None:
                self.add_error("category", _("无法根据内容判断类别，请选择类别。"))
        elif not data.get("category") and "category" not in self.errors:
            self.add_error("category", _("请选择类别。"))
        return data

    def clean_reporter_phone(self):
        """Checked before similar cases are shown, so a wrong number is not found only at the second step."""
        from yishi.accounts.services import validate_mobile

        phone = self.cleaned_data["reporter_phone"]
        if not phone:
            return ""
        try:
            return validate_mobile(phone, field="reporter_phone")
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["reporter_phone"]) from exc


# ---------------------------------------------------------------- actions on one case


class NoteForm(forms.Form):
    note = _text(_("说明"), required=False)


class RequiredNoteForm(forms.Form):
    note = _text(_("说明"))


class AcceptForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别（可更正）"), required=False, queryset=Category.objects.filter(is_active=True)
    )
    note = _text(_("说明"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        quick_choices(self.fields["category"])


class ReasonForm(forms.Form):
    reason = _text(_("理由"))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并到（诉求编号）"), max_length=32)


class ContactForm(forms.Form):
    note = _text(_("联系情况"))


class JointForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("召开时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    location = forms.CharField(label=_("地点"), max_length=120)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        area = case.level_area
        units, people = serving_units(area), _nearby_people(area)  # what validates
        # Five parties offer the same units and people: read once, and kept in the cache for the next page.
        unit_pairs, people_pairs = _serving_unit_options(area), _nearby_people_options(area)
        for key, label in JOINT_PARTIES:
            self.fields[f"{key}_unit"] = forms.ModelChoiceField(
                label=_("%(party)s（单位）") % {"party": label}, required=False, queryset=units
            )
            self.fields[f"{key}_person"] = forms.ModelChoiceField(
                label=_("%(party)s（人员）") % {"party": label}, required=False, queryset=people
            )
            quick_choices_from(self.fields[f"{key}_unit"], unit_pairs)
            quick_choices_from(self.fields[f"{key}_person"], people_pairs)

    def participants(self) -> list:
        data = self.cleaned_data
        return [
            (data.get(f"{key}_person"), data.get(f"{key}_unit"), str(label))
            for key, label in JOINT_PARTIES
            if data.get(f"{key}_person") or data.get(f"{key}_unit")
        ]


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    note = _text(_("说明"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = serving_units(case.level_area)
        quick_choices_from(self.fields["unit"], _serving_unit_options(case.level_area))


class WhistleForm(forms.Form):
    """吹哨: tick the departments to summon and write each one's task."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = list(serving_units(case.level_area))
        for unit in self.units:
            self.fields[f"unit_{unit.pk}"] = forms.BooleanField(label=unit.name, required=False)
            self.fields[f"task_{unit.pk}"] = forms.CharField(
                label=_("%(unit)s的分工任务") % {"unit": unit.name}, required=False, max_length=1000
            )

    def parts(self) -> list:
        data = self.cleaned_data
        return [(u, data.get(f"task_{u.pk}", "")) for u in self.units if data.get(f"unit_{u.pk}")]


class PartForm(forms.Form):
    """报到: nothing to fill; the part is named by the posted ``object``."""


class FinishForm(forms.Form):
    result = _text(_("办理结果"))


class ResolveForm(forms.Form):
    result = _text(_("办理结果"))


class ReplyForm(forms.Form):
    channel = forms.ChoiceField(label=_("答复方式"), choices=ReplyChannel.choices)
    text = _text(_("答复内容"))


class ExtensionRequestForm(forms.Form):
    step = forms.ChoiceField(label=_("环节"), choices=Step.choices)
    days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=30)
    reason = _text(_("延期理由"))

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        if steps:
            self.fields["step"].choices = [(s.step, s.get_step_display()) for s in steps]


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("批准")), ("refuse", _("不批准"))],
        widget=forms.RadioSelect,
    )
    note = _text(_("审批意见"), required=False)


class CloseForm(forms.Form):
    conclusion = _text(_("督办结论"))


class MeetingRecordForm(forms.Form):
    minutes = _text(_("会议纪要"), rows=4)
    outcome = _text(_("会议结果"))


class EmptyForm(forms.Form):
    pass
