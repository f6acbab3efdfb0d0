from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_auth

# No app_name: settings.LOGIN_URL and LOGOUT_REDIRECT_URL name "login" directly.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Second factor and password change (accounts.views_auth; held sessions: middleware.py).
    path("otp/", views_auth.OTPVerifyView.as_view(), name="otp_verify"),
    path("otp/setup/", views_auth.OTPSetupView.as_view(), name="otp_setup"),
    path("password/", views_auth.PasswordChangeView.as_view(), name="password_change"),
    # The administrators' pages (accounts.admin_urls, namespace "accounts").
    path("", include("jiceng.accounts.admin_urls")),
]
