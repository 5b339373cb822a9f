"""Admin of smart routing: model versions with their evaluation (read-only; trained by the command or the
job), the routing settings (through the service), and read-only suggestions and corrections. Keywords per
category are edited on the category admin of the cases app."""

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import CaseSuggestion, RoutingCorrection, RoutingModel, RoutingSettings
from .services import routing_promote, routing_settings_update


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingModel)
class RoutingModelAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "version",
        "created_at",
        "source",
        "trained_on",
        "macro_f1",
        "accuracy",
        "baseline_f1",
        "is_live",
    ]
    list_filter = ["is_live", "source"]
    readonly_fields = [
        "version",
        "created_at",
        "source",
        "trained_on",
        "is_live",
        "artefact",
        "note",
        "evaluation",
    ]
    exclude = ["metrics"]
    actions = ["promote"]

    @admin.display(description=_("基线 macro-F1"))
    def baseline_f1(self, obj):
        return (obj.metrics.get("baseline") or {}).get("macro_f1")

    @admin.display(description=_("评估结果"))
    def evaluation(self, obj):
        m = obj.metrics or {}
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (k, v["precision"], v["recall"], v["support"])
                for k, v in (m.get("per_category") or {}).items()
            ),
        )
        conf = m.get("confusion") or {"labels": [], "matrix": []}
        matrix = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (label, format_html_join("", "<td>{}</td>", ((int(n),) for n in conf["matrix"][i])))
                for i, label in enumerate(conf["labels"])
            ),
        )
        return format_html(
            "<p>macro-F1 {} · accuracy {} · baseline {} · {}</p>"
            "<table><tr><th>category</th><th>precision</th><th>recall</th><th>support</th></tr>{}</table>"
            "<p>confusion (rows: true, columns: predicted, same order)</p><table>{}</table>",
            m.get("macro_f1"),
            m.get("accuracy"),
            json.dumps(m.get("baseline"), ensure_ascii=False),
            json.dumps(m.get("promotion"), ensure_ascii=False),
            rows,
            matrix,
        )

    @admin.action(description=_("尝试上线所选版本（不劣于当前模型时）"))
    def promote(self, request, queryset):
        for model in queryset:
            ok = routing_promote(actor=request.user, candidate=model)
            state = _("已上线") if ok else _("劣于当前模型，未上线")
            self.message_user(request, f"v{model.version}: {state}")


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "confidence_threshold", "min_cases_per_category"]

    def has_add_permission(self, request):
        return not RoutingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = routing_settings_update(
            actor=request.user,
            confidence_threshold=obj.confidence_threshold,
            min_cases_per_category=obj.min_cases_per_category,
        )
        obj.pk = saved.pk


@admin.register(CaseSuggestion)
class CaseSuggestionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "category", "confidence", "source", "model_version", "manual", "confirmed_at"]
    list_filter = ["source", "manual"]
    raw_id_fields = ["case"]


@admin.register(RoutingCorrection)
class RoutingCorrectionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "from_category", "to_category", "by", "at", "used_by"]
    raw_id_fields = ["case"]
