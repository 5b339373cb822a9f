"""Form helpers shared by every app's pages."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
