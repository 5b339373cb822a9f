"""Chinese labels for audit verbs. A verb not listed here is shown as it is stored."""

from django.utils.translation import gettext_lazy as _

VERB_LABELS = {
    "area.create": _("创建区域"),
    "area.update": _("修改区域"),
    "area.move": _("移动区域"),
    "unit.create": _("创建单位"),
    "unit.update": _("修改单位"),
    "person.create": _("登记人员"),
    "person.update": _("修改人员"),
    "role.grant": _("授予角色"),
    "role.revoke": _("撤销角色"),
    "account.create": _("创建账号"),
    "account.update": _("修改账号"),
    "account.deactivate": _("停用账号"),
    "notice.create": _("起草公示"),
    "notice.update": _("修改公示"),
    "notice.publish": _("发布公示"),
    "notice.withdraw": _("撤回公示"),
    "attachment.add": _("添加附件"),
    "attachment.remove": _("删除附件"),
    "account.signup": _("居民注册"),
    "account.token": _("签发接口令牌"),
    "person.party_identity": _("设置亮明党员身份"),
    "meeting.schedule": _("安排会议"),
    "meeting.record": _("记录会议纪要"),
}


def register_verb_labels(labels: dict) -> None:
    """Processes add the labels of their own verbs (from their ``AppConfig.ready``), so the shared audit app
    needs to know nothing about them."""
    VERB_LABELS.update(labels)


def verb_label(verb: str) -> str:
    """The Chinese label of ``verb``; an unknown verb is returned unchanged."""
    return VERB_LABELS.get(verb, verb)
