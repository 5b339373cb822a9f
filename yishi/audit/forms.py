"""The filter form of the audit list page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .labels import VERB_LABELS


class AuditFilterForm(forms.Form):
    """Filters by verb and by a range of local dates; ``before`` carries the keyset page position."""

    verb = forms.ChoiceField(label=_("动作"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verb"].choices = [("", _("全部"))] + [
            (verb, label) for verb, label in VERB_LABELS.items()
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data
