"""党员民情议事会: The community deliberation council (P2)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "yishi.councils"
    label = "councils"
    verbose_name = _("党员民情议事会")

    def ready(self) -> None:
        from yishi.audit.labels import register_verb_labels

        from .workflow import TopicAction

        register_verb_labels({f"topic.{action.value}": action.label for action in TopicAction})
        register_verb_labels(
            {
                "topic.propose": _("提出议题"),
                "topic.open_vote": _("开始表决"),
                "topic.followup": _("新增落实事项"),
                "topic.publish_progress": _("公示落实进展"),
                "council.create": _("成立议事会"),
                "council.meeting": _("安排议事会会议"),
                "council.member_add": _("增加议事会成员"),
                "council.member_add_party": _("添加本社区全部党员"),
                "council.member_remove": _("成员退出议事会"),
                "charter.update": _("修订章程"),
                "charter.scope_add": _("增加议事范围"),
            }
        )
