"""The "my work" home: which sections each role sees. Processes add their sections here."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yishi.core import permissions


@dataclass
class Link:
    label: str
    url: str
    testid: str = ""


@dataclass
class Section:
    title: str
    description: str = ""
    links: list[Link] = field(default_factory=list)


def work_sections(user) -> list[Section]:
    """Sections for ``user``, in the order their work comes: their areas, their people, the board."""
    grants = permissions.active_grants(user)
    sections = [
        Section(
            _("我的身份"),
            links=[
                Link(f"{g.get_role_display()} · {g.area.name}", reverse("areas:detail", args=[g.area_id]))
                for g in grants
            ],
        )
    ]
    if permissions.can(user, permissions.VIEW_PERSON):
        sections.append(
            Section(
                _("人员与账号"),
                _("辖区内的人员、角色与账号"),
                [
                    Link(_("人员名册"), reverse("accounts:person_list"), "people"),
                    *(
                        [Link(_("新建人员和账号"), reverse("accounts:person_create"), "person-create")]
                        if permissions.can(user, permissions.CHANGE_PERSON)
                        else []
                    ),
                ],
            )
        )
    sections.append(
        Section(
            _("区域与单位"),
            _("辖区内的区域树和单位"),
            [
                Link(_("区域"), reverse("areas:list"), "areas"),
                Link(_("单位"), reverse("areas:unit_list"), "units"),
                *(
                    [Link(_("从Excel导入台账"), reverse("areas:import"), "import")]
                    if permissions.can(user, permissions.IMPORT_LEDGER)
                    else []
                ),
            ],
        )
    )
    if permissions.can(user, permissions.CHANGE_NOTICE):
        sections.append(
            Section(
                _("公示栏"),
                _("发布和撤回公示"),
                [
                    Link(_("发布公示"), reverse("notices:create"), "notice-create"),
                    Link(_("已发布的公示"), reverse("notices:manage"), "notice-manage"),
                ],
            )
        )
    if permissions.can(user, permissions.VIEW_AUDIT):
        sections.append(
            Section(
                _("审计留痕"),
                _("辖区内的全部操作记录"),
                [
                    Link(_("操作记录"), reverse("audit:list"), "audit"),
                ],
            )
        )
    sections.extend(_case_sections(grants))
    if permissions.can(user, permissions.VIEW_COUNCIL):
        sections.append(
            Section(
                _("党员民情议事会"),
                _("议题、会议与落实"),
                [Link(_("议事会"), reverse("councils:list"), "councils")],
            )
        )
    sections.append(Section(_("消息"), "", [Link(_("收件箱"), reverse("notifications:inbox"), "inbox")]))
    return sections


def _case_sections(grants) -> list[Section]:
    """民情诉求: the case lists for those who handle, record or supervise cases."""
    from yishi.cases.rules import RECORDERS, SUPERVISORS
    from yishi.cases.workflow import DISPATCHERS

    roles = {g.role for g in grants}
    handlers = DISPATCHERS | SUPERVISORS | RECORDERS | {"department_staff"}
    if not roles & handlers:
        return []
    links = [Link(_("诉求列表"), reverse("cases:list"), "cases")]
    if roles & (DISPATCHERS | SUPERVISORS | {"department_staff"}):
        links.append(Link(_("临期与超期"), reverse("cases:deadlines"), "case-deadlines"))
    if "department_staff" in roles:
        links.append(Link(_("认领池"), reverse("cases:pool"), "case-pool"))
        links.append(Link(_("部门分工"), reverse("cases:parts"), "case-parts"))
    if roles & RECORDERS:
        links.append(Link(_("登记诉求"), reverse("cases:record"), "case-record"))
    return [Section(_("民情诉求"), _("听·办·回·评"), links)]
