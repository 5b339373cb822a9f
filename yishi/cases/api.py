"""REST API of the case process (P1): ``/api/v1/cases/``, ``/case-extensions/``, ``/case-parts/``,
``/case-categories/``.

Serializers only shape input; every write is one call of a ``cases.services`` function, the same the pages
call. Service errors become 400 field errors through ``yishi.core.api.exception_handler``; a case out of the
user's scope is a 404 like a missing one; a role that may not take the step is a 403. The reporter's contact
data is masked unless ``rules.can_see_contact``.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit
from yishi.core.api import CursorPagination, DateTimeField, FieldsBuiltOnce
from yishi.core.masking import mask_name, mask_phone, mask_public_text

from . import rules, selectors, services
from .models import (
    Case,
    CasePart,
    CaseReply,
    CaseStep,
    Category,
    Channel,
    Extension,
    RatingValue,
    ReplyChannel,
    Step,
    Urgency,
)
from .workflow import Status

# Channels a client of the API may name: "api" for residents and anonymous clients, the offline channels for
# those who record them (the service checks the recorder's scope). The opinion box and Open311 have their own
# front doors.
API_CHANNELS = [c for c in Channel.choices if c[0] not in (Channel.OPINION_BOX, Channel.OPEN311)]


class CasePagination(CursorPagination):
    """Keyset pages, newest first: a time index (the community's, the subtree's, the city's) serves each.

    DRF's cursor keys on the first ordering field alone and steps over rows sharing its timestamp by an
    offset; a case arriving with that same timestamp shifts the offset and a row is listed twice. Here the
    position is the pair (written like the staff list's ``before``: ``<iso datetime>_<id>``), unique per row,
    so DRF's offset stays 0 and each page is one range on (submitted_at, id).
    """

    ordering = ("-submitted_at", "-id")

    def _get_position_from_instance(self, instance, ordering):
        # A case or a row of the view's ``row_columns``: both have ``id`` and ``submitted_at``.
        return f"{instance.submitted_at.isoformat()}_{instance.id}"

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's CursorPagination.paginate_queryset, with the position filter on both fields.
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        offset, reverse, current_position = self.cursor or (0, False, None)
        keyset = None
        if current_position is not None:
            keyset = selectors.parse_keyset(current_position)
            if keyset is None:
                raise NotFound(self.invalid_cursor_message)
        # Positions are unique, so DRF's offset is always 0 here; a forged one is ignored, not a deep scan.
        # A view may ask for rows of a few columns (``row_columns``) instead of cases: see CaseSerializer.
        columns = getattr(view, "row_columns", ())
        results = selectors.keyset_page(
            queryset,
            user=request.user,
            before=keyset,
            limit=self.page_size + 1,
            reverse=reverse,
            columns=columns,
            named=bool(columns),
        )
        self.page = results[: self.page_size]
        following = (
            self._get_position_from_instance(results[-1], self.ordering)
            if len(results) > len(self.page)
            else None
        )
        if reverse:
            self.page.reverse()
            self.has_next = current_position is not None or offset > 0
            self.has_previous = following is not None
            self.next_position, self.previous_position = current_position, following
        else:
            self.has_next = following is not None
            self.has_previous = current_position is not None or offset > 0
            self.next_position, self.previous_position = following, current_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page


# ---------------------------------------------------------------- output


_MOMENT = DateTimeField(read_only=True)
_PLAIN_COLUMNS = {field.name for field in Case._meta.concrete_fields if not field.is_relation}


class CaseSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A case as a list row. Contact data masked unless the user handles the case or reported it."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="key", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    handler_unit_name = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "title",
            "status",
            "status_label",
            "is_open",
            "category",
            "category_name",
            "area",
            "area_name",
            "address",
            "channel",
            "urgency",
            "handling_mode",
            "handler_unit",
            "handler_unit_name",
            "is_anonymous",
            "reporter_name",
            "reporter_phone",
            "is_supervised",
            "reopen_count",
            "escalation_count",
            "submitted_at",
            "accepted_at",
            "resolved_at",
            "replied_at",
            "closed_at",
        ]
        read_only_fields = fields

    # What a list row reads (``to_representation`` of a row): the columns ``Meta.fields`` shows and those the
    # contact check decides on, not the case's other forty.
    ROW_COLUMNS = (
        *(name for name in Meta.fields if name in _PLAIN_COLUMNS),
        *("id", "category__key", "category__name", "area_id", "area__name", "handler_unit_id"),
        *("handler_unit__name", "reporter_id", "reporter__name", "reporter__phone"),
        *("level_path", "recorded_by_id"),
    )

    def to_representation(self, case) -> dict:
        """A case as DRF writes it field by field; a row of ``ROW_COLUMNS`` (the API list's pages) as the same
        keys and values, written out here: building a case with its category, area, unit and reporter per
        row, then DRF's machinery per field (a source lookup, a callable test, a conversion; 25 fields, 50
        rows a page), were most of an API list's time. ``test_api`` compares the two."""
        if isinstance(case, Case):
            return super().to_representation(case)
        row, moment = case, self._moment
        name = row.reporter_name or row.reporter__name or ""
        phone = row.reporter_phone or row.reporter__phone or ""
        sees = self._sees_contact(row)
        return {
            "number": row.number,
            "title": row.title,
            "status": row.status,
            "status_label": self._status_labels.get(row.status, row.status),
            "is_open": row.is_open,
            "category": row.category__key,
            "category_name": row.category__name,
            "area": row.area_id,
            "area_name": row.area__name,
            "address": row.address,
            "channel": row.channel,
            "urgency": row.urgency,
            "handling_mode": row.handling_mode,
            "handler_unit": row.handler_unit_id,
            "handler_unit_name": row.handler_unit__name,
            "is_anonymous": row.is_anonymous,
            "reporter_name": name if sees else mask_name(name),
            "reporter_phone": phone if sees else mask_phone(phone),
            "is_supervised": row.is_supervised,
            "reopen_count": row.reopen_count,
            "escalation_count": row.escalation_count,
            "submitted_at": moment(row.submitted_at),
            "accepted_at": moment(row.accepted_at),
            "resolved_at": moment(row.resolved_at),
            "replied_at": moment(row.replied_at),
            "closed_at": moment(row.closed_at),
        }

    @cached_property
    def _status_labels(self) -> dict:
        # Translated once per serializer (a request, in its language), not once per row.
        return {value: str(label) for value, label in Status.choices}

    @staticmethod
    def _moment(value):
        # DRF's own conversion (local time zone, ISO 8601) through one field of the module's: reading
        # ``self.fields`` would build every field of the serializer from the model, for each request.
        return None if value is None else _MOMENT.to_representation(value)

    @cached_property
    def _contact_check(self):
        # Built once per serializer: a list's child serializer writes every row of the page.
        request = self.context.get("request")
        return rules.contact_checker(request.user) if request is not None else None

    def _sees_contact(self, case: Case) -> bool:
        return self._contact_check is not None and self._contact_check(case)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_handler_unit_name(self, case: Case) -> str | None:
        return case.handler_unit.name if case.handler_unit_id else None

    def get_reporter_name(self, case: Case) -> str:
        name = case.reporter_contact()[0]
        return name if self._sees_contact(case) else mask_name(name)

    def get_reporter_phone(self, case: Case) -> str:
        phone = case.reporter_contact()[1]
        return phone if self._sees_contact(case) else mask_phone(phone)


class CasePartSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = CasePart
        fields = [
            "id",
            "case",
            "unit",
            "unit_name",
            "task",
            "status",
            "acknowledge_due",
            "acknowledged_at",
            "done_at",
            "result",
        ]
        read_only_fields = fields


class CaseReplySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = CaseReply
        fields = ["id", "channel", "text", "replied_at"]
        read_only_fields = fields


class CaseStepSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    met = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = CaseStep
        fields = ["id", "step", "round", "unit", "due_at", "done_at", "supervised_at", "met"]
        read_only_fields = fields


class ExtensionSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    step = serializers.CharField(source="step.step", read_only=True)

    class Meta:
        model = Extension
        fields = [
            "id",
            "case",
            "step",
            "reason",
            "requested_days",
            "requested_at",
            "decision",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class RouteSerializer(serializers.Serializer):
    level = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField(allow_null=True)


class CaseDetailSerializer(CaseSerializer):
    """One case with its parts, replies and deadlines, and the category's route as a suggestion."""

    level_area = serializers.PrimaryKeyRelatedField(read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="number", read_only=True)
    parts = serializers.SerializerMethodField()
    replies = CaseReplySerializer(many=True, read_only=True)
    steps = CaseStepSerializer(many=True, read_only=True)
    suggested_route = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    @extend_schema_field(CasePartSerializer(many=True))
    def get_parts(self, case: Case) -> list:
        """A department sees its own part of a whistled case, not the other departments'."""
        request = self.context.get("request")
        parts = rules.visible_parts(request.user, case, case.parts.all()) if request else []
        return CasePartSerializer(parts, many=True, context=self.context).data

    def get_text(self, case: Case) -> str:
        """The text, with contacts and the reporter's name masked for those who may not see them."""
        return (
            case.text
            if self._sees_contact(case)
            else mask_public_text(case.text, names=[case.reporter_contact()[0]])
        )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "text",
            "latitude",
            "longitude",
            "parties",
            "level_area",
            "merged_into",
            "reject_reason",
            "first_contact_at",
            "parts",
            "replies",
            "steps",
            "suggested_route",
        ]
        read_only_fields = fields

    @extend_schema_field(RouteSerializer)
    def get_suggested_route(self, case: Case) -> dict:
        level, unit = selectors.route_for(case)
        return {
            "level": str(level),
            "unit": unit.pk if unit else None,
            "unit_name": unit.name if unit else None,
        }


class CaseCreatedSerializer(CaseDetailSerializer):
    """The new case, with the secret tracking token the reporter keeps to follow and rate it."""

    tracking_token = serializers.CharField(read_only=True)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "tracking_token"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "key", "name", "description", "parent", "order"]
        read_only_fields = fields


class RatingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    value = serializers.CharField()
    comment = serializers.CharField()
    round = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    case_status = serializers.CharField(source="case.status")


class JointOutSerializer(CaseDetailSerializer):
    meeting = serializers.IntegerField(read_only=True)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "meeting"]
        read_only_fields = fields


class PublishedOutSerializer(CaseDetailSerializer):
    notice = serializers.IntegerField(read_only=True)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "notice"]
        read_only_fields = fields


# ---------------------------------------------------------------- input


class CaseSubmitSerializer(serializers.Serializer):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    category = serializers.SlugRelatedField(
        slug_field="key",
        queryset=Category.objects.all(),
        required=False,
        help_text="类别代码；省略时按内容智能建议的类别",
    )
    title = serializers.CharField(allow_blank=True, max_length=200)
    text = serializers.CharField(allow_blank=True, max_length=8000)
    channel = serializers.ChoiceField(choices=API_CHANNELS, default=Channel.API)
    reporter_name = serializers.CharField(allow_blank=True, required=False, default="", max_length=50)
    reporter_phone = serializers.CharField(allow_blank=True, required=False, default="", max_length=20)
    is_anonymous = serializers.BooleanField(required=False, default=False)
    address = serializers.CharField(allow_blank=True, required=False, default="", max_length=255)
    latitude = serializers.CharField(allow_blank=True, required=False, default="", max_length=20)
    longitude = serializers.CharField(allow_blank=True, required=False, default="", max_length=20)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    parties = serializers.CharField(allow_blank=True, required=False, default="", max_length=255)


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    open = serializers.BooleanField(required=False, allow_null=True, default=None)
    area = serializers.IntegerField(required=False, min_value=1)
    category = serializers.CharField(required=False, max_length=40)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class ResultSerializer(serializers.Serializer):
    result = serializers.CharField(allow_blank=True, max_length=4000)


class AcceptSerializer(NoteSerializer):
    category = serializers.SlugRelatedField(
        slug_field="key", queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )


class MergeSerializer(NoteSerializer):
    into = serializers.CharField(max_length=32, help_text="要合并到的诉求编号")


class UnitSerializer(NoteSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())


class ParticipantSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True, default=None
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    capacity = serializers.CharField(allow_blank=True, required=False, default="", max_length=60)


class JointSerializer(serializers.Serializer):
    scheduled_at = DateTimeField()
    location = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    participants = ParticipantSerializer(many=True)


class WhistlePartSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    task = serializers.CharField(allow_blank=True, max_length=2000)


class WhistleSerializer(serializers.Serializer):
    parts = WhistlePartSerializer(many=True)


class ReplySerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ReplyChannel.choices)
    text = serializers.CharField(allow_blank=True, max_length=4000)


class RateSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=RatingValue.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)
    token = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=64, help_text="匿名反映人的跟踪密钥"
    )


class CloseSerializer(serializers.Serializer):
    conclusion = serializers.CharField(allow_blank=True, max_length=2000)


class ExtensionRequestSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=[c for c in Step.choices if c[0] != Step.RATE])
    days = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class EmptySerializer(serializers.Serializer):
    pass


class JointRecordSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(help_text="联合办理会议编号")
    minutes = serializers.CharField(allow_blank=True, max_length=8000)
    outcome = serializers.CharField(allow_blank=True, max_length=4000)


# ---------------------------------------------------------------- the case actions, as data


def _merge(request, case, data):
    into = selectors.case_visible(request.user).filter(number=data["into"]).first()
    if into is None:
        raise ValidationError({"into": [_("找不到要合并到的诉求。")]})
    return services.case_merge(actor=request.user, case=case, into=into, note=data["note"])


def _joint(request, case, data):
    participants = [(p["person"], p["unit"], p["capacity"]) for p in data["participants"]]
    meeting = services.case_joint(
        actor=request.user,
        case=case,
        scheduled_at=data["scheduled_at"],
        location=data["location"],
        participants=participants,
    )
    case = Case.objects.get(pk=case.pk)
    case.meeting = meeting.pk
    return case


def _joint_record(request, case, data):
    meeting = selectors.joint_meetings(case).filter(pk=data["meeting"]).first()
    if meeting is None:
        raise ValidationError({"meeting": [_("该会议不属于这条诉求。")]})
    services.case_joint_record(
        actor=request.user, case=case, meeting=meeting, minutes=data["minutes"], outcome=data["outcome"]
    )
    return case


def _publish(request, case, data):
    notice = services.case_publish(actor=request.user, case=case)
    case.notice = notice.pk
    return case


def _whistle(request, case, data):
    parts = [(p["unit"], p["task"]) for p in data["parts"]]
    return services.case_whistle(actor=request.user, case=case, parts=parts)


def _reply(request, case, data):
    reply = services.case_reply(actor=request.user, case=case, **data)
    return reply.case


def _plain(service):
    return lambda request, case, data: service(actor=request.user, case=case, **data)


# url path -> (input serializer, call(request, case, validated data) -> case, summary)
CASE_ACTIONS = {
    "accept": (AcceptSerializer, _plain(services.case_accept), "受理"),
    "reject": (ReasonSerializer, _plain(services.case_reject), "不予受理"),
    "merge": (MergeSerializer, _merge, "合并"),
    "contact": (RequiredNoteSerializer, _plain(services.case_contact), "首次联系"),
    "handle-self": (NoteSerializer, _plain(services.case_handle_self), "社区自办"),
    "joint": (JointSerializer, _joint, "五方协商联合办"),
    "joint-record": (JointRecordSerializer, _joint_record, "联合办理会议纪要"),
    "assign": (UnitSerializer, _plain(services.case_assign), "派单"),
    "pool": (NoteSerializer, _plain(services.case_pool), "放入认领池"),
    "claim": (EmptySerializer, _plain(services.case_claim), "部门认领"),
    "whistle": (WhistleSerializer, _whistle, "街道吹哨"),
    "refer-council": (RequiredNoteSerializer, _plain(services.case_refer_council), "转议事会"),
    "refer-mediation": (RequiredNoteSerializer, _plain(services.case_refer_mediation), "转调解"),
    "suggest": (RequiredNoteSerializer, _plain(services.case_suggest), "意见建议提交办"),
    "escalate": (ReasonSerializer, _plain(services.case_escalate), "上报上级"),
    "return": (ReasonSerializer, _plain(services.case_return), "退单"),
    "resolve": (ResultSerializer, _plain(services.case_resolve), "办结"),
    "reply": (ReplySerializer, _reply, "答复"),
    "close": (CloseSerializer, _plain(services.case_close), "督办归档"),
    "publish": (EmptySerializer, _publish, "公示办理结果"),
}


def _case_action(url_path: str, input_serializer, call, summary: str):
    out = {"joint": JointOutSerializer, "publish": PublishedOutSerializer}.get(url_path, CaseDetailSerializer)

    @extend_schema(summary=summary, request=input_serializer, responses=out)
    def view(self, request, number=None):
        case = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = call(request, case, serializer.validated_data)
        return Response(out(case, context=self.get_serializer_context()).data)

    view.__name__ = url_path.replace("-", "_")
    view.__doc__ = summary
    return action(detail=True, methods=["post"], url_path=url_path, serializer_class=input_serializer)(view)


def _known_relations(instance, **related) -> None:
    """Give ``instance`` its related rows as a prefetch would (``instance.<name>.all()`` answers from them),
    where they are known without reading them: a case just submitted has no parts or replies and one step,
    the one its intake opened. What Django's ``prefetch_related_objects`` stores, without its query (a third
    of a millisecond of an intake's time, and the prefetch machinery for the two empty ones)."""
    known = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        queryset = getattr(instance, name).all()
        queryset._result_cache, queryset._prefetch_done = list(rows), True
        known[name] = queryset


class ReadOrSubmit(drf_permissions.BasePermission):
    """Anyone may submit a case (the opinion box of the API) or rate with a tracking token; the rest needs a
    login."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) in ("create", "rate"):
            return True
        return bool(request.user and request.user.is_authenticated)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """诉求. Lists the cases in the user's scope, newest first; filters ``status``, ``open``, ``area`` (its
    subtree), ``category`` (key)."""

    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z-]+"
    pagination_class = CasePagination
    # The list's pages are rows of these columns, not cases (CaseSerializer.to_representation).
    row_columns = CaseSerializer.ROW_COLUMNS
    permission_classes = [ReadOrSubmit]
    queryset = Case.objects.none()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        if self.action == "create":
            return CaseSubmitSerializer
        return CaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        filters = self._list_filters()
        if filters is None:
            return Case.objects.none()
        return selectors.case_queryset(user=self.request.user, **filters)

    def _list_filters(self) -> dict | None:
        """The list's filters from the query string, as ``case_queryset`` takes them (None: an area or a
        category named that does not exist, so nothing is listed)."""
        filters = CaseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        area = None
        if "area" in data:
            area = Area.objects.filter(pk=data["area"]).first()
            if area is None:
                return None
        category = None
        if data.get("category"):
            category = Category.objects.filter(key=data["category"]).first()
            if category is None:
                return None
        return {
            "status": data.get("status", ""),
            "is_open": data.get("open"),
            "area": area,
            "category": category,
        }

    def get_object(self):
        try:
            case = selectors.case_get(user=self.request.user, number=self.kwargs["number"])
        except Case.DoesNotExist as exc:
            raise Http404 from exc
        # The detail nests parts (with their units), replies and steps: fetch each once, not per row.
        prefetch_related_objects([case], "parts__unit", "replies", "steps")
        return case

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("open", bool),
            OpenApiParameter("area", int, description="区域（含下级）"),
            OpenApiParameter("category", str, description="类别代码"),
        ]
    )
    def list(self, request, *args, **kwargs):
        """诉求列表: keyset pages of rows (``row_columns``), newest first.

        The pages are read over the filters alone, every case: ``keyset_page`` (the paginator's) applies the
        user's scope itself, one visibility branch at a time; the scope written into the query as well
        (``get_queryset``) was compiled and planned once more for every branch.
        """
        filters = self._list_filters()
        if filters is None:
            qs = Case.objects.none()
        else:
            qs = selectors.case_filters(user=request.user, **filters)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=CaseSubmitSerializer, responses={201: CaseCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """提交诉求: channel ``api`` for residents and anonymous clients, an offline channel for recorders."""
        serializer = CaseSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = request.user if request.user.is_authenticated else None
        if (
            data["channel"] == Channel.API
            and user is not None
            and user.person_id
            and not data["is_anonymous"]
        ):
            data["reporter"] = user.person
        if data.get("category") is None:
            from .routing import intake_category

            data["category"] = intake_category(f"{data['title']} {data['text']}")
            if data["category"] is None:
                raise serializers.ValidationError({"category": [_("无法根据内容判断类别，请选择类别。")]})
        case = services.case_submit(actor=user, **data)
        _known_relations(case, parts=[], replies=[], steps=[case.accept_step])
        return Response(
            CaseCreatedSerializer(case, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="评价", request=RateSerializer, responses=RatingOutSerializer)
    @action(detail=True, methods=["post"], serializer_class=RateSerializer)
    def rate(self, request, number=None):
        """评价: by the reporter (signed in) or with the case's tracking token (anonymous)."""
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case, source = self._rating_source(request, number, data["token"])
        rating = services.case_rate(
            case=case, source_case=source, value=data["value"], comment=data["comment"]
        )
        return Response(RatingOutSerializer(rating).data)

    def _rating_source(self, request, number: str, token: str) -> tuple[Case, Case]:
        """The case to rate and the rater's own report (the case itself or one merged into it)."""
        if token:
            case = Case.objects.filter(number=number).first()
            if case is not None:
                for source in [case, *case.merged_cases.all()]:
                    if secrets.compare_digest(source.tracking_token, token):
                        return case, source
            raise Http404
        if not request.user.is_authenticated:
            raise Http404
        case = self.get_object()
        person_id = request.user.person_id
        if person_id and case.reporter_id == person_id:
            return case, case
        source = case.merged_cases.filter(reporter_id=person_id).first() if person_id else None
        if source is None:
            raise PermissionDenied(_("只有反映人可以评价。"))
        return case, source

    @extend_schema(
        summary="延期申请", request=ExtensionRequestSerializer, responses={201: ExtensionSerializer}
    )
    @action(detail=True, methods=["post"], serializer_class=ExtensionRequestSerializer)
    def extensions(self, request, number=None):
        """延期申请: the handler asks for more working days on an open step."""
        case = self.get_object()
        serializer = ExtensionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_request(actor=request.user, case=case, **serializer.validated_data)
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)


for _path, (_serializer, _call, _summary) in CASE_ACTIONS.items():
    setattr(CaseViewSet, _path.replace("-", "_"), _case_action(_path, _serializer, _call, _summary))


class ExtensionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """延期申请 of the cases in the user's scope; ``decide`` is the dispatcher's."""

    serializer_class = ExtensionSerializer
    queryset = Extension.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Extension.objects.none()
        visible = selectors.case_visible(self.request.user).values("pk")
        return Extension.objects.filter(case__in=visible).select_related("case", "step")

    @extend_schema(summary="延期审批", request=ExtensionDecideSerializer, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"], serializer_class=ExtensionDecideSerializer)
    def decide(self, request, pk=None):
        extension = self.get_object()
        serializer = ExtensionDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_decide(
            actor=request.user, extension=extension, **serializer.validated_data
        )
        return Response(ExtensionSerializer(extension).data)


class CasePartViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """部门分工 of whistled cases; the summoned department acknowledges (报到) and finishes its part."""

    serializer_class = CasePartSerializer
    queryset = CasePart.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CasePart.objects.none()
        visible = selectors.case_visible(self.request.user).values("pk")
        return CasePart.objects.filter(case__in=visible).select_related("case", "unit")

    @extend_schema(summary="报到", request=EmptySerializer, responses=CasePartSerializer)
    @action(detail=True, methods=["post"], serializer_class=EmptySerializer)
    def acknowledge(self, request, pk=None):
        part = services.part_acknowledge(actor=request.user, part=self.get_object())
        return Response(CasePartSerializer(part).data)

    @extend_schema(summary="完成分工", request=ResultSerializer, responses=CasePartSerializer)
    @action(detail=True, methods=["post"], serializer_class=ResultSerializer)
    def finish(self, request, pk=None):
        part = self.get_object()
        serializer = ResultSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = services.part_finish(actor=request.user, part=part, result=serializer.validated_data["result"])
        return Response(CasePartSerializer(part).data)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """诉求类别: the active category tree (``parent`` by key), public."""

    serializer_class = CategorySerializer
    permission_classes = [drf_permissions.AllowAny]
    pagination_class = None
    queryset = Category.objects.filter(is_active=True).select_related("parent").order_by("order", "key")


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("cases", CaseViewSet, basename="case")
    router.register("case-extensions", ExtensionViewSet, basename="case-extension")
    router.register("case-parts", CasePartViewSet, basename="case-part")
    router.register("case-categories", CategoryViewSet, basename="case-category")
