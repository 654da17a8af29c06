from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Role, Unit

User = get_user_model()


class AdminSetupForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    password1 = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("Hai lần nhập mật khẩu không khớp nhau."))
        if p1:
            password_validation.validate_password(p1, User(username=data.get("username", "")))
        return data


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Units shown as «code — name», sorted by code (the survey's code too when several)."""

    def label_from_instance(self, obj):
        label = f"{obj.code} — {obj.name}"
        if getattr(self, "several_surveys", False):
            label = f"{obj.survey.code}: {label}"
        return label


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ tên cán bộ"), max_length=150, required=False)
    # least privilege: a new account is a keyer unless the manager chooses more
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices, initial=Role.KEYER)
    units = UnitChoiceField(
        label=_("Đơn vị phụ trách"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Để trống khi sửa nếu không đổi mật khẩu."),
    )
    is_active = forms.BooleanField(label=_("Đang hoạt động"), required=False, initial=True)

    def __init__(self, *args, user_obj=None, allow_admin=False, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_obj = user_obj
        qs = units if units is not None else Unit.objects.all()
        qs = qs.select_related("survey").order_by("survey__code", "code")
        self.fields["units"].queryset = qs
        self.fields["units"].several_surveys = qs.values("survey").distinct().count() > 1
        if not self.initial.get("role"):
            self.initial["role"] = Role.KEYER
        if not allow_admin:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.ADMIN]

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        qs = User.objects.filter(username__iexact=name)
        if self.user_obj is not None:
            qs = qs.exclude(pk=self.user_obj.pk)
        if qs.exists():
            raise forms.ValidationError(_("Tên đăng nhập này đã có người dùng."))
        return name

    def clean(self):
        data = super().clean()
        role, units = data.get("role"), data.get("units")
        if role in (Role.COORDINATOR, Role.KEYER) and not units:
            self.add_error(
                "units", _("Đầu mối và người nhập liệu phải được giao ít nhất một đơn vị.")
            )
        pw = data.get("password")
        if self.user_obj is None and not pw:
            self.add_error("password", _("Hãy đặt mật khẩu cho tài khoản mới."))
        if pw:
            try:
                password_validation.validate_password(pw, User(username=data.get("username", "")))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
