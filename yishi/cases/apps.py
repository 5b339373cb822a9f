"""民情诉求: cases through 听·办·回·评 (listen, handle, reply, evaluate)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yishi.cases"
    label = "cases"
    verbose_name = _("民情诉求")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yishi.accounts.models import Person
        from yishi.areas.models import Area, Unit
        from yishi.audit.labels import register_verb_labels
        from yishi.core import caching

        from . import signals  # noqa: F401  (keeps the rollup of the rates right on every write)
        from .models import Category, CategoryRoute

        # Options offered from the cache: the case list's areas and categories, the case page's units and
        # people (staff_forms); the routes of categories (``selectors.route_for``).
        for model in (Area, Category, Unit, Person, CategoryRoute):
            caching.watch(model)
        from .workflow import Action

        register_verb_labels({f"case.{action.value}": action.label for action in Action})
        register_verb_labels(
            {
                "case.submit": _("提交诉求"),
                "case.contact": _("首次联系反映人"),
                "case.merged_in": _("合并入其他诉求"),
                "case.part_acknowledge": _("部门报到"),
                "case.part_finish": _("部门完成分工"),
                "case.overdue": _("超期督办"),
                "case.due_soon": _("临期提醒"),
                "case.extension_request": _("申请延期"),
                "case.extension_decide": _("审批延期"),
                "case.open311": _("Open311接入"),
                "case.publish": _("公示办理结果"),
                "cases.rate_settings_update": _("修改考核设置"),
                "open311.key_create": _("创建Open311密钥"),
            }
        )
