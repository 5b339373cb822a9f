"""Form helpers shared by every app's pages."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


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
