from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="member_list"),
    path("autocomplete/", views.member_autocomplete, name="member_autocomplete"),
    path("new/", views.MemberCreateView.as_view(), name="member_create"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="member_edit"),
    path("<int:pk>/status/", views.MemberStatusView.as_view(), name="member_status"),
    path("<int:pk>/unmask/", views.member_unmask, name="member_unmask"),
]
