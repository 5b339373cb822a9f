"""Forms of the accounts pages: input shape only; the rules live in ``services``."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from yishi.areas.models import Area, Unit

from .models import Role
from .services import MOBILE_RE, normalize_phone


def login_username(value: str) -> str:
    """A phone typed with spaces, dashes or +86 becomes the 11 digits it is stored as; login names stay."""
    value = (value or "").strip()
    phone = normalize_phone(value)
    return phone if MOBILE_RE.match(phone) else value


class LoginForm(AuthenticationForm):
    """手机号（居民）或登录名（工作人员）加密码。"""

    username = forms.CharField(
        label=_("手机号或登录名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("手机号/登录名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def clean_username(self):
        return login_username(self.cleaned_data.get("username", ""))


class SignupForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    community = forms.ModelChoiceField(
        label=_("所在社区"), queryset=Area.objects.none(), empty_label=_("请选择")
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities if communities is not None else Area.objects.none()
        self.fields["community"].error_messages["invalid_choice"] = _("请选择所在社区。")
        self.fields["community"].error_messages["required"] = _("请选择所在社区。")


class SignupVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"min_length": _("验证码为6位数字。"), "required": _("请输入短信验证码。")},
    )


class PersonCreateForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    home_area = forms.ModelChoiceField(label=_("所属区域"), queryset=Area.objects.none())
    unit = forms.ModelChoiceField(label=_("所在单位"), queryset=Unit.objects.none(), required=False)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    username = forms.CharField(
        label=_("登录名"), max_length=150, required=False, help_text=_("不开账号可留空。")
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False)
    grant_area = forms.ModelChoiceField(
        label=_("授权区域"), queryset=Area.objects.none(), required=False, help_text=_("留空则为所属区域。")
    )

    def __init__(self, *args, areas=None, units=None, roles=(), grant_areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_area"].queryset = areas if areas is not None else Area.objects.none()
        self.fields["home_area"].empty_label = _("请选择")
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].empty_label = _("无")
        self.fields["role"].choices = [("", _("不授予角色")), *roles]
        self.fields["grant_area"].queryset = grant_areas if grant_areas is not None else Area.objects.none()
        self.fields["grant_area"].empty_label = _("同所属区域")


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    area = forms.ModelChoiceField(label=_("授权区域"), queryset=Area.objects.none())
    unit = forms.ModelChoiceField(label=_("代表单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, roles=(), areas=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("请选择")), *roles]
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()
        self.fields["area"].empty_label = _("请选择")
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].empty_label = _("无")


class ProfileForm(forms.Form):
    large_text = forms.BooleanField(label=_("大字模式"), required=False)
    shows_party_identity = forms.BooleanField(
        label=_("亮明党员身份"), required=False, help_text=_("开启后，您发表的意见旁会显示“党员”标识。")
    )
