"""Form helpers shared by every app's pages."""

import functools
import itertools
from html import escape as html_escape

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

MIN_YEAR, MAX_YEAR = 1900, 2100


def validate_year_range(value) -> None:
    """A date or moment typed on a page lies in the years 1900–2100: anything else is a typo, and at the edges
    of the calendar (year 1, 9999) date arithmetic and time zone shifts overflow."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            gettext_lazy("请填写%(min)d年至%(max)d年之间的日期。"),
            code="year_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        )


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the rest on top.

    Services name fields as the model does; a name the form lacks becomes a form-wide error, so that no
    message is ever lost.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target if field != NON_FIELD_ERRORS else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _attrs_html(attrs: dict) -> str:
    """Attributes as Django's ``attrs.html`` writes them: in order, True as a bare name, False left out, each
    name and value escaped as ``format_html`` does (``conditional_escape``: safe text as it is). Written with
    ``html.escape`` rather than a ``format_html`` per attribute, which cost 16 µs a widget."""
    return mark_safe(
        "".join(
            f" {_escaped(key)}" if value is True else f' {_escaped(key)}="{_escaped(value)}"'
            for key, value in attrs.items()
            if value is not False
        )
    )


def _escaped(value) -> str:
    """``conditional_escape``'s text, without its lazy-text wrapper and SafeString per call."""
    return str(value.__html__()) if hasattr(value, "__html__") else html_escape(str(value))


def _options_html(choices) -> str:
    """The ``<option>`` (and ``<optgroup>``) markup of ``choices``, none selected."""
    parts = []
    for option_value, label in choices:
        if isinstance(label, (list, tuple)):
            parts.append(
                f'<optgroup label="{html_escape(str(option_value))}">{_options_html(label)}</optgroup>'
            )
            continue
        option_value = "" if option_value is None else str(option_value)
        # html.escape, which django.utils.html.escape wraps (a lazy-text check and a SafeString per call):
        # the same text, for the thousands of options of a case page's selects.
        parts.append(f'<option value="{html_escape(option_value)}">{html_escape(str(label))}</option>')
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def _remembered_options_html(key: tuple) -> str:
    """``_options_html`` of options offered again and again (a scope's areas on every list page), written
    once per worker. ``key`` holds (type, value, label) of each option, a lazy label as its text in the
    active language, so each language has its own entry; or it is ``_Pairs.key()``. 64 entries: a select
    of a thousand options is about 60 kB of markup and as much of key, so a worker keeps a few MB at most,
    and options offered once (one case's nearby people) soon give way to those offered on every request."""
    if key and key[0] is _Pairs:
        return _options_html((*key[1], *key[2]))
    return _options_html((value, label) for _type, value, label in key)


class QuickSelect(forms.Select):
    """A single ``<select>`` whose options are written in Python rather than through Django's option template.

    Django renders every option through a template include (about 40 µs each): harmless for ten options, but
    the list filters and the dispatch forms offer hundreds (areas, units, categories), and there it was a
    third of the page's time. Same markup, attributes, groups and selected state as ``forms.Select``. The
    same options written again (the list filters on every request) come from a per-worker cache of their
    markup, the selected ones marked in it.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices
        key = choices.key() if isinstance(choices, _Pairs) else None
        if key is None:
            choices = tuple(choices)

            def as_text(label):
                return label if isinstance(label, (list, tuple)) else str(label)

            # The values' types are part of the key: 1 and True are equal, yet written differently.
            key = tuple((type(v), v, as_text(label)) for v, label in choices)
        try:
            options = _remembered_options_html(key)
        except TypeError:  # an optgroup's options are a list, which cannot be a key
            options = _options_html(choices)
        for selected in self.format_value(value):
            # Values are unique within a select, so the first such option is the one.
            plain = f'<option value="{html_escape(str(selected))}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            _attrs_html(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),
        )


class QuickInputMixin:
    """An ``<input>`` widget written in Python rather than through Django's ``input.html`` template (a
    template render per field was most of a small filter form's cost): the same markup, from the same
    ``get_context``, so the type, value and ``checked`` state follow the widget's own rules."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        written = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            written,
            _attrs_html(widget["attrs"]),
        )


class QuickTextInput(QuickInputMixin, forms.TextInput):
    """``forms.TextInput`` written by ``QuickInputMixin``."""


class QuickCheckboxInput(QuickInputMixin, forms.CheckboxInput):
    """``forms.CheckboxInput`` written by ``QuickInputMixin`` (checked as ``check_test`` decides)."""


def quick_choices(field: forms.ModelChoiceField, queryset=None, *, label: str = "name") -> None:
    """Offer ``field``'s options through ``QuickSelect`` as (pk, ``label``) pairs read in one query of two
    columns, instead of a model instance per option rendered through Django's option template.

    ``queryset`` (default: the field's) becomes the field's queryset too, so what is offered is exactly what
    validates; ``label`` must be the field the model's ``__str__`` shows. A page offering the same options in
    several selects passes the same evaluated ``queryset``'s pairs once (``quick_choices_from``).
    """
    if queryset is not None:
        field.queryset = queryset
    quick_choices_from(field, list(field.queryset.values_list("pk", label)), every=True)


class _Pairs(BaseChoiceIterator):
    """Options that are (value, label) pairs as read, already in the form Django normalizes choices to, so
    that setting or copying them does not walk every option again (``normalize_choices`` keeps a choice
    iterator as it is): a scope's areas and the categories, 180 options, on every list request.

    ``empty`` is the blank option, if any (its label lazy text); ``pairs`` the rows' (pk, label) tuples as
    read from the database (a pk never a boolean, a label text)."""

    def __init__(self, empty: list[tuple], pairs: list[tuple]):
        self.empty = empty
        self.pairs = pairs

    def __iter__(self):
        return itertools.chain(self.empty, self.pairs)

    def __len__(self):
        return len(self.empty) + len(self.pairs)

    def key(self) -> tuple:
        """The key of these options' markup (``_remembered_options_html``): the pairs as they are, not an
        entry built per option — they are the same on every request, and there are hundreds. The blank
        option's label as text, so that each language has its own entry."""
        return (_Pairs, tuple((v, str(label)) for v, label in self.empty), tuple(self.pairs))


def quick_choices_from(field: forms.ModelChoiceField, pairs: list[tuple], *, every: bool = False) -> None:
    """``quick_choices`` with (pk, label) pairs already read (the same options in several selects).

    ``every``: the pairs are every row of the field's queryset, so an ``OfferedModelChoiceField`` validates
    a choice against them instead of reading the row (``quick_choices`` reads them so, always)."""
    field.widget = QuickSelect(attrs=field.widget.attrs)
    field.widget.is_required = field.required
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.widget.choices = _Pairs(empty, pairs)
    if every and isinstance(field, OfferedModelChoiceField):
        field.offered = frozenset(pk for pk, _label in pairs)


class OfferedModelChoiceField(forms.ModelChoiceField):
    """A model select that, given every row of its queryset as its options (``quick_choices_from`` with
    ``every``), validates a choice against those keys instead of reading the row: a list filter by category
    on every request cost a query for a row whose key is all the filter uses. The choice comes back as an
    instance with only its key loaded; any other field is read from the database when first used (Django's
    deferred fields), so nothing reads a wrong value. Without the options (or with ``to_field_name``) it
    validates as ``ModelChoiceField`` does.

    The options are as fresh as the cache they come from: a row added a moment ago in another worker is
    offered, and so valid, once the cache sees the change (at once with Redis)."""

    offered: frozenset | None = None

    def to_python(self, value):
        if self.offered is None or self.to_field_name:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        model = self.queryset.model
        try:
            key = model._meta.pk.to_python(value.pk if isinstance(value, model) else value)
        except ValidationError:
            key = None
        if key is None or key not in self.offered:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return model.from_db(self.queryset.db, [model._meta.pk.attname], [key])
