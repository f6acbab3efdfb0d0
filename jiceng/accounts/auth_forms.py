"""Forms of logging in: password, one-time code, change of password."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def login_failed_message() -> str:
    """The one message of every failed login: unknown user, wrong password, locked, disabled."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Wrong username or password, or the account is locked or disabled. After "
        "%(limit)d failed attempts an account is locked for %(minutes)d minutes."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


class LoginForm(AuthenticationForm):
    def get_invalid_login_error(self):
        return ValidationError(login_failed_message(), code="invalid_login")

    def confirm_login_allowed(self, user):
        if not user.is_active:  # ModelBackend refuses inactive users first; kept as a guard
            raise self.get_invalid_login_error()


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("One-time code"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
                "class": "form-control",
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise ValidationError(_("Enter the digits shown by your authenticator app."))
        return token


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, the new one twice, every validator of
    AUTH_PASSWORD_VALIDATORS), refusing the old password as the new one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        cleaned = super().clean()
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new:
            self.add_error(
                "new_password1",
                ValidationError(
                    _("The new password must differ from the old one."),
                    code="password_unchanged",
                ),
            )
        return cleaned
