"""附件 pages: download (scoped), upload to a record, remove — htmx-aware around the panel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yishi.core.forms import add_service_errors

from . import selectors, services
from .forms import AttachmentUploadForm


def _record(content_type_id, object_id):
    """The record an upload names; anything unknown, or without an area, is a 404."""
    try:
        ct = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    model = ct.model_class()
    if model is None or not hasattr(model, "scope_path"):
        raise Http404
    try:
        return model._default_manager.get(pk=object_id)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def _back(request, obj):
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = getattr(obj, "get_absolute_url", lambda: "/")()
    return HttpResponseRedirect(target)


def _panel(request, obj, form=None, status=200):
    return render(request, "attachments/panel.html", {"obj": obj, "form": form}, status=status)


@login_required
def download(request, pk: int):
    """Serve the file to users who may view attachments in its area; everyone else gets a 404."""
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@login_required
@require_POST
def upload(request):
    """Attach a file to a record (content type id + object id); errors beside the file field, status 400."""
    form = AttachmentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        if "content_type" in form.errors or "object_id" in form.errors:
            raise Http404
        obj = _record(form.cleaned_data["content_type"], form.cleaned_data["object_id"])
        return _panel(request, obj, form, status=400)
    obj = _record(form.cleaned_data["content_type"], form.cleaned_data["object_id"])
    try:
        services.attachment_add(actor=request.user, obj=obj, uploaded_file=form.cleaned_data["file"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _panel(request, obj, form, status=400)
    if request.htmx:
        return _panel(request, obj)
    return _back(request, obj)


@login_required
@require_POST
def remove(request, pk: int):
    """Remove an attachment (needs the change permission on its area; otherwise 404)."""
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    obj = attachment.record
    services.attachment_remove(actor=request.user, attachment=attachment)
    if request.htmx and obj is not None:
        return _panel(request, obj)
    return _back(request, obj)
