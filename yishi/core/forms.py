"""Form helpers shared by every app's pages."""

from html import escape as html_escape

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html, format_html_join
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


class QuickSelect(forms.Select):
    """A single ``<select>`` whose options are written in Python rather than through Django's option template.

    Django renders every option through a template include (about 40 µs each): harmless for ten options, but
    the list filters and the dispatch forms offer hundreds (areas, units, categories), and there it was a
    third of the page's time. Same markup, attributes, groups and selected state as ``forms.Select``.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        # The attributes as Django's attrs.html writes them: in order, True as a bare name, False left out.
        written = format_html_join(
            "",
            "{}",
            (
                (format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value),)
                for key, value in self.build_attrs(self.attrs, attrs).items()
                if value is not False
            ),
        )

        def options(choices) -> str:
            parts = []
            for option_value, label in choices:
                if isinstance(label, (list, tuple)):
                    parts.append(
                        format_html('<optgroup label="{}">{}</optgroup>', option_value, options(label))
                    )
                    continue
                option_value = "" if option_value is None else str(option_value)
                mark = " selected" if option_value in selected else ""
                # html.escape, which django.utils.html.escape wraps (a lazy-text check and a SafeString per
                # call): the same text, for the thousands of options of a case page's selects.
                parts.append(
                    f'<option value="{html_escape(option_value)}"{mark}>{html_escape(str(label))}</option>'
                )
            return mark_safe("".join(parts))

        return format_html('<select name="{}"{}>{}</select>', name, written, options(self.choices))


def quick_choices(field: forms.ModelChoiceField, queryset=None, *, label: str = "name") -> None:
    """Offer ``field``'s options through ``QuickSelect`` as (pk, ``label``) pairs read in one query of two
    columns, instead of a model instance per option rendered through Django's option template.

    ``queryset`` (default: the field's) becomes the field's queryset too, so what is offered is exactly what
    validates; ``label`` must be the field the model's ``__str__`` shows. A page offering the same options in
    several selects passes the same evaluated ``queryset``'s pairs once (``quick_choices_from``).
    """
    if queryset is not None:
        field.queryset = queryset
    quick_choices_from(field, list(field.queryset.values_list("pk", label)))


def quick_choices_from(field: forms.ModelChoiceField, pairs: list[tuple]) -> None:
    """``quick_choices`` with (pk, label) pairs already read (the same options in several selects)."""
    field.widget = QuickSelect(attrs=field.widget.attrs)
    field.widget.is_required = field.required
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.widget.choices = [*empty, *pairs]
