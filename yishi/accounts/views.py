"""Pages of 人员与账号: login, resident signup, the staff's people pages and one's own profile."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from yishi.areas.models import Area, Unit
from yishi.core import permissions, throttle
from yishi.core.forms import add_service_errors
from yishi.core.masking import mask_phone

from . import selectors, services
from .forms import GrantForm, LoginForm, PersonCreateForm, ProfileForm, SignupForm, SignupVerifyForm
from .models import RoleGrant

PENDING_SIGNUP = "yishi_pending_signup"
PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """登录: residents with their phone number, staff with their login name; axes locks after 5 failures."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """退出 (POST only)."""


# --- Resident signup -----------------------------------------------------------------------------------

# Each code costs a text message: besides the per-phone cooldown, one client may ask for this many an hour.
SMS_PER_CLIENT_PER_HOUR = 10
SMS_THROTTLED = _lazy("此设备获取验证码过于频繁，请一小时后再试。")


def _sms_allowed(request) -> bool:
    return throttle.allow(
        f"sms:{throttle.client_ip(request)}", limit=SMS_PER_CLIENT_PER_HOUR, window_seconds=3600
    )


def signup(request):
    """居民注册 step 1: name, phone, community and password; an SMS code goes to the phone."""
    if request.user.is_authenticated:
        return redirect("core:home")
    communities = services.signup_communities()
    form = SignupForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid() and not _sms_allowed(request):
        form.add_error("phone", SMS_THROTTLED)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = services.resident_signup_start(
                name=data["name"],
                phone=data["phone"],
                community=data["community"],
                password=data["password"],
                password2=data["password2"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[PENDING_SIGNUP] = pending
            return redirect("accounts:signup_verify")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def _pending(request) -> tuple[dict | None, Area | None]:
    pending = request.session.get(PENDING_SIGNUP)
    if not pending:
        return None, None
    return pending, Area.objects.filter(pk=pending.get("community")).first()


def signup_verify(request):
    """居民注册 step 2: the SMS code; on success the account exists and the resident is logged in."""
    pending, community = _pending(request)
    if pending is None:
        return redirect("accounts:signup")
    form = SignupVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.resident_signup(
                name=pending["name"],
                phone=pending["phone"],
                community=community,
                password_hash=pending["password_hash"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session.pop(PENDING_SIGNUP, None)
            login(request, user, backend="yishi.accounts.backends.AccountBackend")
            messages.success(request, _("注册成功，欢迎使用议事厅。"))
            return redirect("core:home")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "phone": pending["phone"], "community": community}
    return render(request, "accounts/signup_verify.html", context, status=status)


@require_POST
def signup_resend(request):
    """再次发送验证码 (at most once a minute)."""
    pending, _community = _pending(request)
    if pending is None:
        return redirect("accounts:signup")
    if not _sms_allowed(request):
        messages.error(request, SMS_THROTTLED)
        return redirect("accounts:signup_verify")
    try:
        services.sms_code_issue(phone=pending["phone"])
    except ValidationError as exc:
        for message in exc.message_dict.get("code", exc.messages):
            messages.error(request, message)
    else:
        messages.success(request, _("验证码已重新发送。"))
    return redirect("accounts:signup_verify")


# --- Staff: people -------------------------------------------------------------------------------------


@login_required
def person_list(request):
    """人员名册: the people in the viewer's scope, phones masked unless the viewer may change the person."""
    if not permissions.can(request.user, permissions.VIEW_PERSON):
        return render(request, "404.html", status=404)
    search = request.GET.get("q", "")
    page = Paginator(selectors.person_list(user=request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(person, selectors.contact_of(request.user, person)) for person in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "q": search,
        "can_create": permissions.can(request.user, permissions.CHANGE_PERSON),
    }
    return render(request, "accounts/person_list.html", context)


def _grant_form(user, data=None) -> GrantForm:
    return GrantForm(
        data,
        roles=selectors.grantable_roles(user),
        areas=selectors.grantable_areas(user),
        units=permissions.scoped(Unit.objects.filter(is_active=True), user, permissions.VIEW_UNIT),
    )


def _render_detail(request, person, grant_form=None, status=200):
    context = {
        "person": person,
        "contact": selectors.contact_of(request.user, person),
        "grants": selectors.person_grants(person=person),
        "events": selectors.person_events(person=person),
        "grant_form": grant_form or _grant_form(request.user),
        "can_grant": bool(selectors.grantable_roles(request.user)),
        "account": getattr(person, "user", None),
    }
    return render(request, "accounts/person_detail.html", context, status=status)


@login_required
def person_detail(request, pk):
    """人员详情: the person, their role grants and audit timeline; 404 outside the viewer's scope."""
    person = selectors.person_get(user=request.user, pk=pk)
    return _render_detail(request, person)


@login_required
def person_create(request):
    """新建人员和账号: a person, optionally a login and one role in the actor's subtree."""
    user = request.user
    if not permissions.can(user, permissions.CHANGE_PERSON):
        return render(request, "404.html", status=404)
    form = PersonCreateForm(
        request.POST or None,
        areas=selectors.person_areas(user),
        units=permissions.scoped(Unit.objects.filter(is_active=True), user, permissions.VIEW_UNIT),
        roles=selectors.grantable_roles(user),
        grant_areas=selectors.grantable_areas(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.staff_person_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
            return redirect("accounts:person_detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/person_form.html", {"form": form}, status=status)


@login_required
@require_POST
def person_grant(request, pk):
    """授予角色 to a person in scope, on an area in the actor's subtree."""
    person = selectors.person_get(user=request.user, pk=pk)
    form = _grant_form(request.user, request.POST)
    if form.is_valid():
        try:
            services.role_grant(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(request, _("已授予角色。"))
            return redirect("accounts:person_detail", pk=person.pk)
    return _render_detail(request, person, grant_form=form, status=400)


@login_required
@require_POST
def person_revoke(request, pk, grant_pk):
    """撤销角色 (the grant stays on record with its revocation time)."""
    person = selectors.person_get(user=request.user, pk=pk)
    grant = get_object_or_404(RoleGrant, pk=grant_pk, person=person)
    services.role_revoke(actor=request.user, grant=grant)
    messages.success(request, _("已撤销角色。"))
    return redirect("accounts:person_detail", pk=person.pk)


# --- Own profile ---------------------------------------------------------------------------------------


@login_required
def me(request):
    """我的资料: own name, masked phone, roles, large text and the party member's 亮身份 switch."""
    user = request.user
    person = user.person
    initial = {
        "large_text": user.large_text,
        "shows_party_identity": bool(person and person.shows_party_identity),
    }
    form = ProfileForm(request.POST or None, initial=initial)
    is_party = bool(person and person.is_party_member)
    if not is_party:
        del form.fields["shows_party_identity"]
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                actor=user,
                large_text=form.cleaned_data["large_text"],
                shows_party_identity=form.cleaned_data.get("shows_party_identity") if is_party else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:me")
    context = {
        "form": form,
        "person": person,
        "grants": permissions.active_grants(user),
        "phone": mask_phone(person.phone) if person else "",
    }
    return render(request, "accounts/me.html", context, status=400 if request.method == "POST" else 200)
