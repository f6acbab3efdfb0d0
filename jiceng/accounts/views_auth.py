"""Logging in: the password step, the second factor (TOTP: verification, enrolment), changing
an expired password. The rules are in security.py; what holds a session at these pages is
middleware.py.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.audit.services import record

from . import security
from .auth_forms import LoginForm, PasswordChangeForm, TokenForm, login_failed_message

DEVICE_NAME = "TOTP"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def admin_login(request):
    """/admin/login/: the Django admin logs in through the platform's login (lockout, second
    factor, the one failure message); a logged-in user the admin refuses gets a 403."""
    if request.user.is_authenticated:
        raise PermissionDenied
    query = request.GET.urlencode()
    return redirect(reverse("login") + (f"?{query}" if query else ""))


def _next_url(request, default: str = "web:home") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(default)


@method_decorator([never_cache, sensitive_post_parameters("token")], name="dispatch")
class OTPVerifyView(FormView):
    """The second step of logging in: the code of the user's authenticator app."""

    template_name = "registration/otp_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        if request.user.is_verified():
            return redirect(_next_url(request))
        if not user_has_device(request.user, confirmed=True):
            return redirect(reverse("otp_setup") + _query(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _next_url(self.request)}

    def form_valid(self, form):
        request, user = self.request, self.request.user
        device = None
        for candidate in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            with transaction.atomic():  # verify_token's throttling and replay counters
                if candidate.verify_token(form.cleaned_data["token"]):
                    device = candidate
                    break
        if device is None:
            record(
                "login_failed",
                request=request,
                outcome="failed",
                durable=True,
                data={"username": user.get_username(), "reason": "otp"},
            )
            form.add_error("token", _("The code is wrong or has expired. Try the next one."))
            return self.form_invalid(form)
        _pass_second_factor(request, device)
        record("otp_verify", request=request, obj=user, data={"device": device.persistent_id})
        return redirect(_next_url(request))


def _query(request) -> str:
    nxt = request.GET.get("next") or request.POST.get("next")
    from urllib.parse import urlencode

    return f"?{urlencode({'next': nxt})}" if nxt else ""


def _pass_second_factor(request, device) -> None:
    """Mark this session as verified by `device`, under a new session key (the session's
    privilege went up: a key seen before this moment must not carry it)."""
    request.session.cycle_key()
    otp_login(request, device)


@method_decorator([never_cache, sensitive_post_parameters("token")], name="dispatch")
class OTPSetupView(FormView):
    """Enrolment of an authenticator app (TOTP, RFC 6238): a QR code and the secret, then one
    code to prove the app has it. A user with a device must verify with it first (so a stolen
    password alone cannot enrol another); a verified user may replace their device here."""

    template_name = "registration/otp_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        if not request.user.is_verified() and user_has_device(request.user, confirmed=True):
            return redirect(reverse("otp_verify") + _query(request))
        return super().dispatch(request, *args, **kwargs)

    def pending_device(self) -> TOTPDevice:
        """The user's unconfirmed device, made on first visit and kept across reloads."""
        user = self.request.user
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device

    def get_context_data(self, **kwargs):
        device = self.pending_device()
        uri = device.config_url
        secret = b32encode(device.bin_key).decode()
        return {
            **super().get_context_data(**kwargs),
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=5, border=2, light="#fff"),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "otpauth_uri": uri,
            "replacing": self.request.user.is_verified(),
            "next": _next_url(self.request),
        }

    def form_valid(self, form):
        request, user = self.request, self.request.user
        device = self.pending_device()
        with transaction.atomic():
            ok = device.verify_token(form.cleaned_data["token"])
        if not ok:
            form.add_error("token", _("The code is wrong or has expired. Try the next one."))
            return self.form_invalid(form)
        with transaction.atomic():
            replaced, _details = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(
                "otp_enrol",
                request=request,
                obj=user,
                data={"device": device.persistent_id, "replaced": replaced},
            )
        _pass_second_factor(request, device)
        messages.success(request, _("Your authenticator app is set up."))
        return redirect(_next_url(request))


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password: on demand, when it expired, or when must_change_password is
    set. Every other session of the user ends."""

    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "expired": security.password_expired(user),
            "must_change": user.must_change_password,
            "next": _next_url(self.request),
        }

    def form_valid(self, form):
        user = form.user
        with transaction.atomic():
            user.must_change_password = False
            response = super().form_valid(form)  # saves the user, keeps this session
            security.end_sessions(user, keep=self.request.session.session_key)
            record("password_change", request=self.request, obj=user, data={"by": "self"})
        messages.success(self.request, _("Your password has been changed."))
        return redirect(_next_url(self.request)) if response.status_code == 302 else response

    def form_invalid(self, form):
        if "old_password" in form.errors:
            record(
                "password_change",
                request=self.request,
                obj=self.request.user,
                outcome="failed",
                durable=True,
                data={"by": "self", "reason": "old password wrong"},
            )
        return super().form_invalid(form)


def lockout_page(request):
    """The login page with the one failure message (lockout.lockout_response, when axes has
    no page of its own to pass on)."""
    context = {"form": LoginForm(request), "login_error": login_failed_message(), "next": ""}
    return render(request, "registration/login.html", context)
