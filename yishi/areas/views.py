"""Pages of the area tree, the units and the ledger import. Thin: parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yishi.core import permissions
from yishi.core.forms import add_service_errors

from . import importing, selectors, services
from .forms import (
    AreaChildForm,
    AreaFilterForm,
    AreaForm,
    LedgerImportForm,
    UnitEditForm,
    UnitFilterForm,
    UnitForm,
)

PAGE_SIZE = 100
AREA_EDIT_FIELDS = ["name", "code", "address", "latitude", "longitude", "is_active"]
UNIT_EDIT_FIELDS = ["name", "kind", "code", "address", "phone", "is_active"]


def _timeline(user, obj):
    """The audit events of ``obj`` for those who may read the audit trail there; None for the others."""
    if not permissions.can(user, permissions.VIEW_AUDIT, obj):
        return None
    from yishi.audit.models import AuditEvent

    return list(AuditEvent.objects.for_object(obj).order_by("-seq")[:50])


@login_required
@require_GET
def area_list(request):
    """区域列表: the areas the user sees, in tree order, indented by depth; filter by level, search by name."""
    form = AreaFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    areas = selectors.area_list(user=request.user, level=filters.get("level", ""), q=filters.get("q", ""))
    page = Paginator(areas, PAGE_SIZE).get_page(request.GET.get("page"))
    top = min((a.depth for a in page.object_list), default=0)
    rows = [(area, area.depth - top) for area in page.object_list]
    return render(request, "areas/area_list.html", {"form": form, "page": page, "rows": rows})


def _area_detail(request, area, *, edit_form=None, child_form=None, unit_form=None, status=200):
    user = request.user
    can_change = permissions.can(user, permissions.CHANGE_AREA, area)
    can_add_unit = permissions.can(user, permissions.CHANGE_UNIT, area)
    if can_change and edit_form is None:
        edit_form = AreaForm(initial={f: getattr(area, f) for f in AREA_EDIT_FIELDS})
    if can_change and child_form is None:
        child_form = AreaChildForm(parent=area)
    if can_add_unit and unit_form is None:
        unit_form = UnitForm()
    context = {
        "area": area,
        "breadcrumbs": selectors.area_breadcrumbs(user=user, area=area),
        "children": selectors.area_children(user=user, area=area),
        "units": selectors.unit_list(user=user, area=area.pk),
        "people_count": selectors.area_people_count(area=area),
        "events": _timeline(user, area),
        "edit_form": edit_form if can_change else None,
        "child_form": child_form if can_change else None,
        "unit_form": unit_form if can_add_unit else None,
    }
    return render(request, "areas/area_detail.html", context, status=status)


@login_required
@require_GET
def area_detail(request, pk):
    """区域详情: breadcrumbs, children, units, people count, the audit timeline and the edit forms."""
    return _area_detail(request, selectors.area_get(user=request.user, pk=pk))


@login_required
@require_POST
def area_update(request, pk):
    area = selectors.area_get(user=request.user, pk=pk)
    form = AreaForm(request.POST, initial={f: getattr(area, f) for f in AREA_EDIT_FIELDS})
    if form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in AREA_EDIT_FIELDS}
        changes = {f: ("" if v is None and f in {"code", "address"} else v) for f, v in changes.items()}
        if not changes:
            messages.info(request, _("没有修改。"))
            return redirect("areas:detail", pk=area.pk)
        try:
            services.area_update(actor=request.user, area=area, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("areas:detail", pk=area.pk)
    return _area_detail(request, area, edit_form=form, status=400)


@login_required
@require_POST
def area_create_child(request, pk):
    parent = selectors.area_get(user=request.user, pk=pk)
    form = AreaChildForm(request.POST, parent=parent)
    if form.is_valid():
        try:
            child = services.area_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加下级区域「%(name)s」。") % {"name": child.name})
            return redirect("areas:detail", pk=child.pk)
    return _area_detail(request, parent, child_form=form, status=400)


@login_required
@require_POST
def unit_create(request, pk):
    area = selectors.area_get(user=request.user, pk=pk)
    form = UnitForm(request.POST)
    if form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, area=area, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加单位「%(name)s」。") % {"name": unit.name})
            return redirect("areas:unit_detail", pk=unit.pk)
    return _area_detail(request, area, unit_form=form, status=400)


@login_required
@require_GET
def unit_list(request):
    """单位列表: the units the user sees; filter by kind, search by name or address."""
    form = UnitFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    units = selectors.unit_list(user=request.user, kind=filters.get("kind", ""), q=filters.get("q", ""))
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "areas/unit_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def unit_detail(request, pk):
    """单位详情: the unit, its area, its timeline, and the edit form for those who may change it."""
    unit = selectors.unit_get(user=request.user, pk=pk)
    can_change = permissions.can(request.user, permissions.CHANGE_UNIT, unit)
    initial = {f: getattr(unit, f) for f in UNIT_EDIT_FIELDS}
    status = 200
    form = UnitEditForm(initial=initial) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form = UnitEditForm(request.POST, initial=initial)
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in UNIT_EDIT_FIELDS}
            try:
                if changes:
                    services.unit_update(actor=request.user, unit=unit, **changes)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。") if changes else _("没有修改。"))
                return redirect("areas:unit_detail", pk=unit.pk)
        status = 400
    context = {
        "unit": unit,
        "form": form,
        "breadcrumbs": [*selectors.area_breadcrumbs(user=request.user, area=unit.area), unit.area],
        "events": _timeline(request.user, unit),
    }
    return render(request, "areas/unit_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """台账导入: upload a workbook; show every row error, or what was imported. All rows or none."""
    if not permissions.can(request.user, permissions.IMPORT_LEDGER):
        raise PermissionDenied
    form = LedgerImportForm()
    result = None
    status = 200
    if request.method == "POST":
        form = LedgerImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if not upload.name.lower().endswith(".xlsx"):
                form.add_error("file", _("请上传 .xlsx 格式的 Excel 文件。"))
            else:
                result = importing.import_ledger(actor=request.user, data=upload.read())
                if result.ok:
                    messages.success(request, _("导入成功。"))
        if not form.is_valid() or (result is not None and not result.ok):
            status = 400
    return render(request, "areas/import.html", {"form": form, "result": result}, status=status)


@login_required
@require_GET
def import_template(request):
    """The blank ledger workbook with its headers and one example row per sheet."""
    if not permissions.can(request.user, permissions.IMPORT_LEDGER):
        raise PermissionDenied
    response = HttpResponse(
        importing.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="yishi-ledger-template.xlsx"'
    return response
