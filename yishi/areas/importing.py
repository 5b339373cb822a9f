"""台账导入: load areas, units and people from one Excel workbook — all rows or none.

The workbook has up to three sheets, 「区域」, 「单位」 and 「人员」 (at least one), each with a header row.
Every row is validated first, against the database and against the rows above it (a row may name an area
created by an earlier row of the same workbook). Errors are collected as (sheet, row, column, message); if
there is any, nothing is written. Otherwise every row is written inside one transaction through the usual
services (``area_create``, ``unit_create``, ``person_create``, ``role_grant``, ``account_create``), so each
record gets its audit event; a service that still refuses a row rolls the whole import back and the row
is reported.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yishi.core import permissions

from .models import LEVEL_ORDER, Area, Level, Unit, UnitKind

SHEET_AREAS, SHEET_UNITS, SHEET_PEOPLE = "区域", "单位", "人员"

# Columns of each sheet: (header, required column). A missing required column is an error for the sheet.
COLUMNS: dict[str, list[tuple[str, bool]]] = {
    SHEET_AREAS: [("名称", True), ("层级", True), ("上级区域", True), ("区划代码", False), ("地址", False)],
    SHEET_UNITS: [("名称", True), ("类型", True), ("所在区域", True), ("地址", False), ("联系电话", False)],
    SHEET_PEOPLE: [
        ("姓名", True),
        ("手机号", True),
        ("身份证号", False),
        ("所属区域", True),
        ("单位", False),
        ("职务", False),
        ("党员", False),
        ("角色", False),
        ("授权区域", False),
        ("登录名", False),
        ("初始密码", False),
    ],
}

# One example row per sheet, used by the downloadable template.
EXAMPLES: dict[str, list[str]] = {
    SHEET_AREAS: ["第三网格", "网格", "利通区/金星镇/裕西社区", "", "古城巷"],
    SHEET_UNITS: ["裕西物业服务中心", "物业公司", "利通区/金星镇/裕西社区", "古城巷8号", "0953-2012345"],
    SHEET_PEOPLE: [
        "马晓红",
        "13995370001",
        "",
        "利通区/金星镇/裕西社区/第三网格",
        "",
        "网格员",
        "是",
        "网格员",
        "利通区/金星镇/裕西社区/第三网格",
        "maxiaohong",
        "Yishi@2024",
    ],
}

# Service field names → the column that holds them, to place a write-phase error.
FIELD_COLUMNS = {
    SHEET_AREAS: {
        "name": "名称",
        "level": "层级",
        "parent": "上级区域",
        "code": "区划代码",
        "address": "地址",
    },
    SHEET_UNITS: {"name": "名称", "kind": "类型", "area": "所在区域", "address": "地址", "phone": "联系电话"},
    SHEET_PEOPLE: {
        "name": "姓名",
        "phone": "手机号",
        "id_number": "身份证号",
        "home_area": "所属区域",
        "unit": "单位",
        "title": "职务",
        "role": "角色",
        "area": "授权区域",
        "username": "登录名",
        "password": "初始密码",
    },
}

YES = {"是", "y", "yes", "true", "1", "党员", "√"}
NO = {"否", "n", "no", "false", "0", ""}
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowError:
    """One problem: sheet name, row number as Excel shows it (None for the whole file), column, message."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"areas": 0, "units": 0, "people": 0, "accounts": 0, "grants": 0}
    )
    created_areas: list[Area] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Abort(Exception):
    """Raised inside the writing transaction to roll it back."""


# --- rows planned by the file, before they exist -------------------------------------------------------


@dataclass(eq=False)
class _PlannedArea:
    row: int
    name: str
    level: str
    parent: Area | _PlannedArea | None
    code: str
    address: str
    created: Area | None = None

    def anchor(self) -> Area | None:
        """The nearest ancestor that already exists in the database (for the scope check)."""
        node = self.parent
        while isinstance(node, _PlannedArea):
            node = node.parent
        return node


@dataclass(eq=False)
class _PlannedUnit:
    row: int
    name: str
    kind: str
    area: Area | _PlannedArea
    address: str
    phone: str
    created: Unit | None = None


@dataclass(eq=False)
class _PlannedPerson:
    row: int
    name: str
    phone: str
    id_number: str
    home_area: Area | _PlannedArea
    unit: Unit | _PlannedUnit | None
    title: str
    is_party_member: bool
    role: str
    grant_area: Area | _PlannedArea | None
    username: str
    password: str


def _same(a, b) -> bool:
    """The same area or unit: equal primary keys for stored rows, the same object for planned ones."""
    if isinstance(a, Area | Unit) and isinstance(b, Area | Unit):
        return type(a) is type(b) and a.pk == b.pk
    return a is b


def _text(value) -> str:
    """A cell as text: numbers without a trailing .0 (phones and codes typed as numbers), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _choice(value: str, choices) -> str | None:
    """A choice's code from its Chinese label or its code; None when it is neither."""
    value = value.strip()
    for code, label in choices:
        if value in (code, str(label)):
            return code
    return None


def _labels(choices) -> str:
    return "、".join(str(label) for _code, label in choices)


class _Importer:
    def __init__(self, actor):
        self.actor = actor
        self.result = ImportResult()
        self.areas: list[_PlannedArea] = []
        self.units: list[_PlannedUnit] = []
        self.people: list[_PlannedPerson] = []
        self._area_cache: dict[tuple[str, str], list] = {}

    # -- errors --
    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.result.errors.append(RowError(sheet, row, column, message))

    # -- reading --
    def read_sheets(self, data: bytes) -> dict[str, list[tuple[int, dict[str, str]]]] | None:
        """The rows of each known sheet as (row number, {header: text}); None after a file-level error."""
        from openpyxl import load_workbook

        if not data.startswith(XLSX_MAGIC):
            self.error("", None, "", _("文件不是 Excel 工作簿（.xlsx）。请用模板填写后上传。"))
            return None
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # BadZipFile, KeyError, ValueError…: a broken file is never a 500
            self.error("", None, "", _("文件已损坏或不是有效的 Excel 工作簿，无法读取。"))
            return None
        try:
            present = [name for name in COLUMNS if name in workbook.sheetnames]
            if not present:
                self.error("", None, "", _("工作簿中没有「区域」「单位」「人员」中的任何一个工作表。"))
                return None
            sheets = {}
            for name in present:
                rows = self._read_sheet(name, workbook[name])
                if rows is not None:
                    sheets[name] = rows
            return sheets
        except Exception:  # a sheet that breaks half-way is a corrupt file too
            self.error("", None, "", _("文件已损坏或不是有效的 Excel 工作簿，无法读取。"))
            return None
        finally:
            workbook.close()

    def _read_sheet(self, name: str, sheet) -> list[tuple[int, dict[str, str]]] | None:
        header: list[str] | None = None
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if header is None:
                if not any(cells):
                    continue  # blank lines above the header
                header = cells
                header_row = number
                known = {h for h, _required in COLUMNS[name]}
                missing = [h for h, required in COLUMNS[name] if required and h not in header]
                for column in missing:
                    self.error(name, header_row, column, _("缺少列「%(column)s」。") % {"column": column})
                dupes = {h for h in header if h in known and header.count(h) > 1}
                for column in sorted(dupes):
                    self.error(name, header_row, column, _("列「%(column)s」重复出现。") % {"column": column})
                if missing or dupes:
                    return None
                continue
            if not any(cells):
                continue
            record = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
            rows.append((number, record))
        if header is None or not rows:
            self.error(name, None, "", _("工作表「%(sheet)s」没有数据。") % {"sheet": name})
            return None
        return rows

    # -- resolving area references --
    def _children(self, parents: list, name: str) -> list:
        found: list = []
        db_parents = [p for p in parents if isinstance(p, Area)]
        if db_parents:
            found += list(Area.objects.filter(parent__in=db_parents, name=name))
        found += [a for a in self.areas if a.name == name and any(_same(a.parent, p) for p in parents)]
        return found

    def _candidates(self, ref: str) -> list:
        """Areas (existing or planned) that ``ref`` names: a 区划代码, or a path of names split by '/'."""
        ref = ref.strip().strip("/")
        if ref.isdigit():
            return list(Area.objects.filter(code=ref)) + [a for a in self.areas if a.code == ref]
        names = [part.strip() for part in ref.replace("／", "/").split("/") if part.strip()]
        if not names:
            return []
        current: list = list(Area.objects.filter(name=names[0])) + [
            a for a in self.areas if a.name == names[0]
        ]
        for name in names[1:]:
            if not current:
                break
            current = self._children(current, name)
        return current

    def _in_scope(self, area, perm: str) -> bool:
        anchor = area.anchor() if isinstance(area, _PlannedArea) else area
        if anchor is None:  # a new root planned by the file: only a platform admin may create it
            return permissions.is_superadmin(self.actor)
        return permissions.can(self.actor, perm, anchor)

    def resolve_area(self, sheet: str, row: int, column: str, ref: str, perm: str):
        """The one area ``ref`` names among those the actor holds ``perm`` on, or None after an error."""
        candidates = [a for a in self._candidates(ref) if self._in_scope(a, perm)]
        if not candidates:
            self.error(
                sheet, row, column, _("找不到区域「%(ref)s」，或它不在您的管辖范围内。") % {"ref": ref}
            )
            return None
        if len(candidates) > 1:
            self.error(
                sheet,
                row,
                column,
                _("「%(ref)s」对应多个区域，请写出完整路径（如 利通区/金星镇）或区划代码。") % {"ref": ref},
            )
            return None
        return candidates[0]

    # -- validating --
    def check_length(self, sheet, row, column, value, max_length) -> bool:
        if len(value) > max_length:
            self.error(sheet, row, column, _("最多 %(max)d 个字。") % {"max": max_length})
            return False
        return True

    def validate_areas(self, rows) -> None:
        sheet = SHEET_AREAS
        codes_in_file: dict[str, int] = {}
        for row, cells in rows:
            before = len(self.result.errors)
            name, level_text = cells.get("名称", ""), cells.get("层级", "")
            parent_ref, code = cells.get("上级区域", ""), cells.get("区划代码", "")
            address = cells.get("地址", "")
            if not name:
                self.error(sheet, row, "名称", _("请填写名称。"))
            else:
                self.check_length(sheet, row, "名称", name, 100)
            level = _choice(level_text, Level.choices)
            if level is None:
                self.error(
                    sheet, row, "层级", _("层级应为：%(labels)s。") % {"labels": _labels(Level.choices)}
                )
            parent = None
            if parent_ref:
                parent = self.resolve_area(sheet, row, "上级区域", parent_ref, permissions.CHANGE_AREA)
            elif not permissions.is_superadmin(self.actor):
                self.error(sheet, row, "上级区域", _("请填写上级区域（区域路径或区划代码）。"))
            if parent is not None and level is not None and LEVEL_ORDER[level] <= LEVEL_ORDER[parent.level]:
                self.error(
                    sheet,
                    row,
                    "层级",
                    _("下级区域的层级必须低于上级区域（%(parent)s 是%(level)s）。")
                    % {"parent": parent.name, "level": Level(parent.level).label},
                )
            if code:
                self.check_length(sheet, row, "区划代码", code, 20)
                if code in codes_in_file:
                    self.error(
                        sheet,
                        row,
                        "区划代码",
                        _("区划代码与第 %(row)d 行重复。") % {"row": codes_in_file[code]},
                    )
                elif Area.objects.filter(code=code).exists():
                    self.error(sheet, row, "区划代码", _("区划代码已被使用。"))
                codes_in_file.setdefault(code, row)
            self.check_length(sheet, row, "地址", address, 255)
            if name and (parent is not None or not parent_ref):
                twin = next((a for a in self.areas if _same(a.parent, parent) and a.name == name), None)
                if twin is not None:
                    self.error(
                        sheet,
                        row,
                        "名称",
                        _("与第 %(row)d 行重复：同一上级区域下已有同名区域。") % {"row": twin.row},
                    )
                elif isinstance(parent, Area) or parent is None:
                    if Area.objects.filter(parent=parent, name=name).exists():
                        self.error(sheet, row, "名称", _("同一上级区域下已有同名区域。"))
            if len(self.result.errors) == before:
                self.areas.append(_PlannedArea(row, name, level, parent, code, address))

    def _resolve_unit(self, sheet, row, column, ref: str, home):
        """A unit by name among the visible ones and those planned by the file."""
        planned = [u for u in self.units if u.name == ref]
        existing = list(
            permissions.scoped(
                Unit.objects.filter(name=ref).select_related("area"), self.actor, permissions.VIEW_UNIT
            )
        )
        candidates = planned + existing
        if len(candidates) > 1 and isinstance(home, Area):
            # Prefer the unit located in the person's area or one above it.
            near = [u for u in existing if home.path.startswith(u.area.path)]
            if len(near) == 1:
                return near[0]
        if not candidates:
            self.error(
                sheet, row, column, _("找不到单位「%(ref)s」，或它不在您的管辖范围内。") % {"ref": ref}
            )
            return None
        if len(candidates) > 1:
            self.error(sheet, row, column, _("有多个名为「%(ref)s」的单位。") % {"ref": ref})
            return None
        return candidates[0]

    def validate_units(self, rows) -> None:
        sheet = SHEET_UNITS
        for row, cells in rows:
            before = len(self.result.errors)
            name, kind_text, area_ref = (
                cells.get("名称", ""),
                cells.get("类型", ""),
                cells.get("所在区域", ""),
            )
            address, phone = cells.get("地址", ""), cells.get("联系电话", "")
            if not name:
                self.error(sheet, row, "名称", _("请填写名称。"))
            else:
                self.check_length(sheet, row, "名称", name, 120)
            kind = _choice(kind_text, UnitKind.choices)
            if kind is None:
                self.error(
                    sheet, row, "类型", _("类型应为：%(labels)s。") % {"labels": _labels(UnitKind.choices)}
                )
            area = None
            if not area_ref:
                self.error(sheet, row, "所在区域", _("请填写所在区域。"))
            else:
                area = self.resolve_area(sheet, row, "所在区域", area_ref, permissions.CHANGE_UNIT)
            self.check_length(sheet, row, "地址", address, 255)
            self.check_length(sheet, row, "联系电话", phone, 32)
            if name and area is not None:
                twin = next((u for u in self.units if _same(u.area, area) and u.name == name), None)
                if twin is not None:
                    self.error(
                        sheet, row, "名称", _("与第 %(row)d 行重复：该区域已有同名单位。") % {"row": twin.row}
                    )
                elif isinstance(area, Area) and Unit.objects.filter(area=area, name=name).exists():
                    self.error(sheet, row, "名称", _("该区域已有同名单位。"))
            if len(self.result.errors) == before:
                self.units.append(_PlannedUnit(row, name, kind, area, address, phone))

    def validate_people(self, rows) -> None:
        from yishi.accounts.models import Person, Role, User
        from yishi.accounts.services import ID_NUMBER_RE, validate_mobile

        sheet = SHEET_PEOPLE
        phones: dict[str, int] = {}
        usernames: dict[str, int] = {}
        for row, cells in rows:
            before = len(self.result.errors)
            get = cells.get
            name, phone, id_number = get("姓名", ""), get("手机号", ""), get("身份证号", "").upper()
            if not name:
                self.error(sheet, row, "姓名", _("请填写姓名。"))
            else:
                self.check_length(sheet, row, "姓名", name, 50)
            if phone:
                try:
                    phone = validate_mobile(phone)
                except ValidationError:
                    self.error(sheet, row, "手机号", _("请输入正确的11位手机号码。"))
                else:
                    if phone in phones:
                        self.error(
                            sheet, row, "手机号", _("手机号与第 %(row)d 行重复。") % {"row": phones[phone]}
                        )
                    elif Person.objects.filter(phone=phone).exists():
                        self.error(sheet, row, "手机号", _("该手机号已被登记。"))
                    phones.setdefault(phone, row)
            if id_number and not ID_NUMBER_RE.match(id_number):
                self.error(sheet, row, "身份证号", _("身份证号应为18位，最后一位可以是X。"))
            home = None
            if not get("所属区域", ""):
                self.error(sheet, row, "所属区域", _("请填写所属区域。"))
            else:
                home = self.resolve_area(sheet, row, "所属区域", get("所属区域"), permissions.CHANGE_PERSON)
            unit = None
            if get("单位", ""):
                unit = self._resolve_unit(sheet, row, "单位", get("单位"), home)
            title = get("职务", "")
            self.check_length(sheet, row, "职务", title, 60)
            party_text = get("党员", "").strip().lower()
            is_party_member = party_text in YES
            if party_text not in YES and party_text not in NO:
                self.error(sheet, row, "党员", _("请填写“是”或“否”。"))
            role, grant_area = "", None
            if get("角色", ""):
                role = _choice(get("角色"), Role.choices) or ""
                if not role:
                    self.error(
                        sheet, row, "角色", _("角色应为：%(labels)s。") % {"labels": _labels(Role.choices)}
                    )
                grant_ref = get("授权区域", "")
                if grant_ref:
                    grant_area = self.resolve_area(sheet, row, "授权区域", grant_ref, permissions.VIEW_AREA)
                else:
                    grant_area = home
                if role and grant_area is not None:
                    anchor = grant_area.anchor() if isinstance(grant_area, _PlannedArea) else grant_area
                    allowed = (
                        permissions.is_superadmin(self.actor)
                        if anchor is None
                        else permissions.can_grant(self.actor, role, anchor)
                    )
                    if not allowed:
                        self.error(sheet, row, "角色", _("您不能在该区域授予此角色。"))
                    if role == Role.DEPARTMENT_STAFF and unit is None and not get("单位", ""):
                        self.error(sheet, row, "单位", _("部门工作人员必须指定所在单位。"))
            elif get("授权区域", ""):
                self.error(sheet, row, "角色", _("填写了授权区域，请同时填写角色。"))
            username, password = get("登录名", ""), get("初始密码", "")
            if username or password:
                if not username:
                    self.error(sheet, row, "登录名", _("请填写登录名。"))
                elif len(username) > 150:
                    self.error(sheet, row, "登录名", _("最多 %(max)d 个字。") % {"max": 150})
                elif username.lower() in usernames:
                    self.error(
                        sheet,
                        row,
                        "登录名",
                        _("登录名与第 %(row)d 行重复。") % {"row": usernames[username.lower()]},
                    )
                elif User.objects.filter(username__iexact=username).exists():
                    self.error(sheet, row, "登录名", _("该登录名已被使用。"))
                usernames.setdefault(username.lower(), row)
                if not password:
                    self.error(sheet, row, "初始密码", _("请填写初始密码。"))
                else:
                    try:
                        validate_password(password, User(username=username, first_name=name))
                    except ValidationError as exc:
                        self.error(sheet, row, "初始密码", " ".join(exc.messages))
            if len(self.result.errors) == before:
                self.people.append(
                    _PlannedPerson(
                        row,
                        name,
                        phone,
                        id_number,
                        home,
                        unit,
                        title,
                        is_party_member,
                        role,
                        grant_area,
                        username,
                        password,
                    )
                )

    # -- writing --
    def write(self) -> None:
        from yishi.accounts.services import account_create, person_create, role_grant

        from .services import area_create, unit_create

        def real(obj):
            return obj.created if isinstance(obj, _PlannedArea | _PlannedUnit) else obj

        counts = self.result.counts
        for planned in self.areas:
            with self._row(SHEET_AREAS, planned.row):
                planned.created = area_create(
                    actor=self.actor,
                    parent=real(planned.parent),
                    name=planned.name,
                    level=planned.level,
                    code=planned.code,
                    address=planned.address,
                )
                counts["areas"] += 1
                self.result.created_areas.append(planned.created)
        for planned in self.units:
            with self._row(SHEET_UNITS, planned.row):
                planned.created = unit_create(
                    actor=self.actor,
                    area=real(planned.area),
                    name=planned.name,
                    kind=planned.kind,
                    address=planned.address,
                    phone=planned.phone,
                )
                counts["units"] += 1
        for planned in self.people:
            with self._row(SHEET_PEOPLE, planned.row):
                person = person_create(
                    actor=self.actor,
                    home_area=real(planned.home_area),
                    name=planned.name,
                    phone=planned.phone,
                    id_number=planned.id_number,
                    unit=real(planned.unit),
                    title=planned.title,
                    is_party_member=planned.is_party_member,
                )
                counts["people"] += 1
                if planned.role:
                    role_grant(
                        actor=self.actor,
                        person=person,
                        role=planned.role,
                        area=real(planned.grant_area),
                        unit=real(planned.unit),
                    )
                    counts["grants"] += 1
                if planned.username:
                    account_create(
                        actor=self.actor, person=person, username=planned.username, password=planned.password
                    )
                    counts["accounts"] += 1

    def _row(self, sheet: str, row: int):
        importer = self

        class _Guard:
            def __enter__(self):
                return self

            def __exit__(self, exc_type, exc, tb):
                if exc is None:
                    return False
                if isinstance(exc, ValidationError):
                    columns = FIELD_COLUMNS[sheet]
                    if hasattr(exc, "error_dict"):
                        for name, messages in exc.message_dict.items():
                            for message in messages:
                                importer.error(sheet, row, columns.get(name, ""), message)
                    else:
                        for message in exc.messages:
                            importer.error(sheet, row, "", message)
                elif isinstance(exc, Http404 | PermissionDenied):
                    importer.error(sheet, row, "", _("您无权导入这一行（区域不在您的管辖范围内）。"))
                else:
                    return False
                raise _Abort from exc

        return _Guard()


def import_ledger(*, actor, data: bytes) -> ImportResult:
    """Import a ledger workbook (the bytes of an .xlsx) as ``actor``: every row, or nothing.

    Requires ``areas.import_ledger`` somewhere (PermissionDenied otherwise); each row is then checked
    against the actor's scope like the page that would create it. Returns the errors, or the counts.
    """
    if not permissions.can(actor, permissions.IMPORT_LEDGER):
        raise PermissionDenied
    importer = _Importer(actor)
    sheets = importer.read_sheets(data)
    if sheets is None or importer.result.errors:
        importer.result.errors.sort(key=_error_order)
        return importer.result
    if SHEET_AREAS in sheets:
        importer.validate_areas(sheets[SHEET_AREAS])
    if SHEET_UNITS in sheets:
        importer.validate_units(sheets[SHEET_UNITS])
    if SHEET_PEOPLE in sheets:
        importer.validate_people(sheets[SHEET_PEOPLE])
    if importer.result.errors:
        return importer.result
    try:
        with transaction.atomic():
            importer.write()
    except _Abort:
        importer.result.counts = {key: 0 for key in importer.result.counts}
        importer.result.created_areas = []
    return importer.result


def _error_order(error: RowError):
    sheets = list(COLUMNS)
    return (sheets.index(error.sheet) if error.sheet in sheets else -1, error.row or 0)


def template_workbook() -> bytes:
    """The blank ledger workbook users fill in: the three sheets, their headers and one example row each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, columns in COLUMNS.items():
        sheet = workbook.create_sheet(name)
        sheet.append([header for header, _required in columns])
        sheet.append(EXAMPLES[name])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, (header, _required) in enumerate(columns, start=1):
            sheet.column_dimensions[cell_letter(index)].width = max(12, len(header) * 3)
    notes = workbook.create_sheet("说明")
    for line in (
        _("每个工作表的第一行是列名，请勿修改；从第二行起每行一条记录，示例行请替换或删除。"),
        _("「区域」「单位」「人员」三个工作表可以只保留需要的，至少一个。"),
        _("上级区域、所在区域、所属区域、授权区域：填写区域路径（如 利通区/金星镇/裕西社区）或区划代码。"),
        _("层级：%(labels)s。") % {"labels": _labels(Level.choices)},
        _("单位类型：%(labels)s。") % {"labels": _labels(UnitKind.choices)},
        _("登录名、初始密码、角色、授权区域可以不填；只要有一行有错，整个文件都不会导入。"),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
