"""Loading the demo data through the ordinary services, and the table of demo accounts.

``load_demo`` is idempotent: what already exists (an area under its parent, a unit in its area, an account
by login name, an active grant) is left alone, so a second run writes nothing and records no audit event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import translation

from yishi.accounts.models import Person, Role, RoleGrant, User
from yishi.accounts.services import account_create, person_create, role_grant
from yishi.areas.models import Area, Unit
from yishi.areas.services import area_create, unit_create
from yishi.audit.services import audit_record

from . import data


@dataclass
class LoadResult:
    """What one run of ``load_demo`` created (all zero on a second run)."""

    areas: int = 0
    units: int = 0
    people: int = 0
    accounts: int = 0
    grants: int = 0
    notices: int = 0
    cases: int = 0
    councils: int = 0

    @property
    def total(self) -> int:
        counts = (self.areas, self.units, self.people, self.accounts, self.grants, self.notices, self.cases)
        return sum(counts) + self.councils


def _load_areas(
    specs: Iterable[data.AreaSpec], parent: Area | None, areas: dict[str, Area], result: LoadResult
):
    for spec in specs:
        if spec.name in areas:
            raise ValueError(f"demo area name used twice: {spec.name}")
        area = Area.objects.filter(parent=parent, name=spec.name).first()
        if area is None:
            area = area_create(actor=None, parent=parent, name=spec.name, level=spec.level, code=spec.code)
            result.areas += 1
        areas[spec.name] = area
        _load_areas(spec.children, area, areas, result)


def _load_units(areas: dict[str, Area], result: LoadResult) -> dict[str, Unit]:
    units = {}
    for spec in data.UNITS:
        area = areas[spec.area]
        unit = Unit.objects.filter(area=area, name=spec.name).first()
        if unit is None:
            unit = unit_create(actor=None, area=area, name=spec.name, kind=spec.kind)
            result.units += 1
        units[spec.name] = unit
    return units


def _load_person(
    spec: data.PersonSpec, areas: dict[str, Area], units: dict[str, Unit], result: LoadResult
) -> None:
    user = User.objects.select_related("person").filter(username=spec.username).first()
    if user is None:
        person = Person.objects.filter(phone=spec.phone).first()
        if person is None:
            person = person_create(
                actor=None,
                home_area=areas[spec.home_area],
                name=spec.name,
                phone=spec.phone,
                unit=units.get(spec.unit),
                title=spec.title,
                is_party_member=spec.is_party_member,
            )
            result.people += 1
        user = account_create(actor=None, person=person, username=spec.username, password=data.DEMO_PASSWORD)
        result.accounts += 1
    person = user.person
    for grant in spec.grants:
        area, unit = areas[grant.area], units.get(grant.unit)
        if not RoleGrant.objects.filter(
            person=person, role=grant.role, area=area, revoked_at__isnull=True
        ).exists():
            role_grant(actor=None, person=person, role=grant.role, area=area, unit=unit)
            result.grants += 1
    if spec.is_superuser and not (user.is_superuser and user.is_staff):
        before = {"is_superuser": user.is_superuser, "is_staff": user.is_staff}
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        audit_record(
            actor=None,
            obj=person,
            verb="account.update",
            before=before,
            after={"is_superuser": True, "is_staff": True},
        )


@transaction.atomic
def load_demo() -> LoadResult:
    """Create the demo areas, units, people, accounts and grants that are missing, as the system (actor None).

    All or nothing: one transaction. Existing rows are matched by natural key and never changed.
    """
    result = LoadResult()
    areas: dict[str, Area] = {}
    _load_areas(data.AREA_TREE, None, areas, result)
    units = _load_units(areas, result)
    for spec in data.PEOPLE:
        _load_person(spec, areas, units, result)
    result.notices = _load_notices(areas)
    result.cases = _load_cases(areas, units)
    from .councils_data import load_council

    result.councils = load_council(areas, units)
    _load_open311_key()
    return result


# The Open311 key of the demo client app (README); a second load finds it and changes nothing.
DEMO_OPEN311_KEY = "yishi-demo-key"


def _load_open311_key() -> None:
    from yishi.cases.open311.services import open311_key_create

    open311_key_create("演示客户端 demo client", DEMO_OPEN311_KEY)


def _load_cases(areas: dict[str, Area], units: dict[str, Unit]) -> int:
    """The P1 categories, routes and cases (``cases_data``); how many generated is a setting (tests use few)."""
    from django.conf import settings

    from .cases_data import GENERATED_CASES, load_cases

    return load_cases(
        areas, units, generated=getattr(settings, "YISHI_DEMO_GENERATED_CASES", GENERATED_CASES)
    )


def _load_notices(areas: dict[str, Area]) -> int:
    """Publish the demo notices, each by the staff member whose board it is; skip those already there."""
    from yishi.notices.models import Notice
    from yishi.notices.services import notice_publish

    created = 0
    for spec in data.NOTICES:
        area = areas[spec.area]
        if Notice.objects.filter(area=area, title=spec.title).exists():
            continue
        publisher = User.objects.get(username=spec.publisher)
        notice_publish(
            actor=publisher,
            area=area,
            title=spec.title,
            body=spec.body,
            kind=spec.kind,
            mask_registered_people=spec.mask_people,
        )
        created += 1
    return created


# --- the table of demo accounts -------------------------------------------------------------------------

TABLE_HEADER = ("角色", "姓名", "登录名", "密码", "区域")


def account_rows() -> list[tuple[str, str, str, str, str]]:
    """One row per demo account: roles, name, login name, password, areas of the grants (Chinese)."""
    rows = []
    with translation.override("zh-hans"):
        for spec in data.PEOPLE:
            roles = "、".join(dict.fromkeys(str(Role(g.role).label) for g in spec.grants))
            places = "、".join(dict.fromkeys(g.area for g in spec.grants))
            rows.append((roles, spec.name, spec.username, data.DEMO_PASSWORD, places))
    return rows


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _widths(rows: list[tuple[str, ...]]) -> list[int]:
    return [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]


def accounts_text_table(rows: list[tuple[str, ...]] | None = None) -> str:
    """The demo accounts as an aligned plain-text table, for the terminal."""
    rows = [TABLE_HEADER, *(rows if rows is not None else account_rows())]
    widths = _widths(rows)
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def accounts_markdown_table(rows: list[tuple[str, ...]] | None = None) -> str:
    """The demo accounts as an aligned Markdown table, for ``docs/demo-accounts.md``."""
    rows = [TABLE_HEADER, *(rows if rows is not None else account_rows())]
    widths = _widths(rows)

    def line(cells):
        return "| " + " | ".join(_pad(cell, w) for cell, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows[1:])]
    )


DOCS_PREAMBLE = """# 演示账号 · Demo accounts

`yishi demo`（或 `yishi load_demo`）载入演示数据后即可用下列账号登录 `/accounts/login/`。所有账号的密码都是
`yishi-demo`；居民以手机号登录（号码均为虚构）。`admin` 同时是 Django 超级用户（`/admin/`）。

After `yishi demo` (or `yishi load_demo`) these accounts log in at `/accounts/login/`, all with the password
`yishi-demo`; residents log in with their (made-up) phone number. `admin` is also a Django superuser.

This file is generated from `yishi/demo/data.py` (`yishi load_demo --write-docs`); a test keeps them in step.
"""


def accounts_markdown_document() -> str:
    return DOCS_PREAMBLE + "\n" + accounts_markdown_table() + "\n"
