"""The administrators' pages under /accounts/ (namespace "accounts")."""

from django.urls import path

from . import admin_views as views

app_name = "accounts"

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/active/", views.UserActiveView.as_view(), name="user_active"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("users/<int:pk>/roles/new/", views.RoleGrantView.as_view(), name="role_grant"),
    path(
        "users/<int:pk>/roles/<int:assignment>/revoke/",
        views.RoleRevokeView.as_view(),
        name="role_revoke",
    ),
    path("users/<int:pk>/admin-role/", views.AdminRoleView.as_view(), name="admin_role"),
    path("users/<int:pk>/unmask/", views.UnmaskView.as_view(), name="unmask"),
    path("orgs/autocomplete/", views.org_autocomplete, name="org_autocomplete"),
    path("orgs/top/", views.TopOrgCreateView.as_view(), name="top_org_create"),
    path("rules/", views.RuleParametersView.as_view(), name="rule_parameters"),
]
