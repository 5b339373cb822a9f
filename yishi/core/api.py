"""Shared pieces of the REST API: pagination, and one error shape for service errors."""

import copy

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: the next page costs the same at row 20 and at row 2,000,000."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Services raise Django's ValidationError; give it to the client as a 400 with field errors."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    return drf_exception_handler(exc, context)


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, except that a moment at the very edge of the calendar (year 1 or 9999), which
    cannot be shifted into the local time zone, is a field error instead of an OverflowError (a 500)."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")


class FieldsBuiltOnce:
    """For a ``ModelSerializer`` whose fields depend on its class alone (its ``Meta`` and declared fields,
    not its instance, data or context): the fields built from the model once per class, a copy of them for
    each instance. DRF builds them anew for every serializer, reading the model's fields and working out
    each field's arguments (for the case as the API shows it, 40 fields and two nested serializers: about
    a millisecond of every intake's answer); a copy makes the same fields from the arguments kept."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built  # per class: a subclass's own Meta builds its own
        return copy.deepcopy(built)
