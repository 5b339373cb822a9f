"""Input shapes of the area pages. Rules live in the services; these only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, UnitKind

ANY = [("", _("全部"))]


class AreaFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("层级"), choices=ANY + list(Level.choices), required=False)
    q = forms.CharField(label=_("名称"), required=False, max_length=100)


class UnitFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ANY + list(UnitKind.choices), required=False)
    q = forms.CharField(label=_("名称"), required=False, max_length=120)


class AreaForm(forms.Form):
    """Edit an area's own fields (area_update)."""

    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(label=_("区划代码"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("经度"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)


class AreaChildForm(forms.Form):
    """Add an area below the current one (area_create)."""

    name = forms.CharField(label=_("名称"), max_length=100)
    level = forms.ChoiceField(label=_("层级"), choices=Level.choices)
    code = forms.CharField(label=_("区划代码"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            from .models import LEVEL_ORDER

            below = [(v, label) for v, label in Level.choices if LEVEL_ORDER[v] > LEVEL_ORDER[parent.level]]
            if below and not self.is_bound:
                self.fields["level"].initial = below[0][0]


class UnitForm(forms.Form):
    """Register or edit a unit (unit_create / unit_update)."""

    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    code = forms.CharField(label=_("统一社会信用代码"), max_length=32, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)


class UnitEditForm(UnitForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)


class LedgerImportForm(forms.Form):
    file = forms.FileField(label=_("台账文件（.xlsx）"))
