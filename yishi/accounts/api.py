"""REST API of 人员与账号: people (scoped like the pages), the current user, and token login."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response

from yishi.areas.models import Area, Unit
from yishi.core import permissions

from . import selectors, services
from .forms import login_username
from .models import Person, Role, RoleGrant


class GrantSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "role", "role_label", "area", "area_name", "unit", "granted_at"]


class PersonSerializer(serializers.ModelSerializer):
    """A person as the viewer may see them: phone and ID number masked without change_person."""

    home_area_name = serializers.CharField(source="home_area.name", read_only=True)
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    grants = GrantSerializer(source="active_grants", many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "phone",
            "id_number",
            "home_area",
            "home_area_name",
            "unit",
            "title",
            "is_party_member",
            "party_badge",
            "grants",
            "created_at",
        ]

    def _contact(self, person) -> dict:
        return selectors.contact_of(self.context["request"].user, person)

    def get_phone(self, person) -> str:
        return self._contact(person)["phone"]

    def get_id_number(self, person) -> str:
        return self._contact(person)["id_number"]


class PersonCreateSerializer(serializers.Serializer):
    """Input of ``staff_person_create``; areas and units outside the actor's scope are unknown choices."""

    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    home_area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    is_party_member = serializers.BooleanField(required=False, default=False)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        required=False, allow_blank=True, default="", write_only=True, trim_whitespace=False
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, default="")
    grant_area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.all(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context["request"].user
        self.fields["home_area"].queryset = selectors.person_areas(user)
        self.fields["grant_area"].queryset = selectors.grantable_areas(user)
        self.fields["unit"].queryset = permissions.scoped(Unit.objects.all(), user, permissions.VIEW_UNIT)


class PersonViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """人员: list and read people in scope; create one (with an optional account and role)."""

    serializer_class = PersonSerializer
    ordering = "-pk"

    def get_queryset(self):
        qs = selectors.person_list(user=self.request.user, search=self.request.query_params.get("q", ""))
        return qs.order_by("-pk")

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return PersonCreateSerializer if self.action == "create" else PersonSerializer

    def create(self, request, *args, **kwargs):
        data = PersonCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        person = services.staff_person_create(actor=request.user, **data.validated_data)
        person = selectors.person_get(user=request.user, pk=person.pk)
        return Response(
            PersonSerializer(person, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _own(person: Person) -> Person:
    person.active_grants = list(person.grants.filter(revoked_at__isnull=True).select_related("area"))
    return person


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    large_text = serializers.BooleanField()
    person = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_person(self, user):
        return PersonSerializer(_own(user.person), context=self.context).data if user.person_id else None

    @extend_schema_field(GrantSerializer(many=True))
    def get_roles(self, user):
        return GrantSerializer(permissions.active_grants(user), many=True).data


class MeViewSet(viewsets.ViewSet):
    """我: the signed-in user, their person and active roles."""

    @extend_schema(responses=MeSerializer)
    def list(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenLoginViewSet(viewsets.ViewSet):
    """令牌登录: POST username (phone or login name) and password, get a token; axes locks after 5 failures."""

    authentication_classes: list = []
    permission_classes = [drf_permissions.AllowAny]
    serializer_class = TokenLoginSerializer

    @extend_schema(request=TokenLoginSerializer, responses=TokenSerializer)
    def create(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=login_username(data.validated_data["username"]),
            password=data.validated_data["password"],
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                # Answer in JSON here; the axes middleware would otherwise swap in the HTML lockout page.
                django_request.axes_locked_out = False
                return Response(
                    {"detail": _("登录失败次数过多，该账号已被锁定30分钟。")},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            return Response(
                {"non_field_errors": [_("手机号/登录名或密码不正确。")]}, status=status.HTTP_400_BAD_REQUEST
            )
        if not user.is_active:
            return Response({"non_field_errors": [_("该账号已停用。")]}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": services.auth_token_issue(actor=user)})


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
    router.register("people", PersonViewSet, basename="person")
    router.register("me", MeViewSet, basename="me")
    router.register("auth/token", TokenLoginViewSet, basename="auth-token")
