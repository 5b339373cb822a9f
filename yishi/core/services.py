"""Helpers every service uses: the snapshot of a record for the audit trail, and the scope check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from yishi.core import permissions


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The values of ``fields`` on ``obj`` as the audit trail stores them (foreign keys by id)."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        data[name] = getattr(obj, field.attname)
    return data


def require(actor, perm: str, obj=None) -> None:
    """Raise unless ``actor`` holds ``perm`` on ``obj``.

    Out of scope is reported as missing (``Http404``): a user must not learn that a record exists
    outside their area. With no object, a missing role is ``PermissionDenied``.
    """
    if permissions.can(actor, perm, obj):
        return
    if obj is not None and not permissions.can(actor, perm.replace(".change_", ".view_"), obj):
        raise Http404
    raise PermissionDenied
