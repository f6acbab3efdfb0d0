from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("list/", views.OrgListView.as_view(), name="org_list"),
    path("autocomplete/", views.org_autocomplete, name="org_autocomplete"),
    path("new/", views.OrgCreateView.as_view(), name="org_create"),
    path("<int:pk>/", views.OrgDetailView.as_view(), name="org_detail"),
    path("<int:pk>/children/", views.org_children, name="org_children"),
    path("<int:pk>/edit/", views.OrgEditView.as_view(), name="org_edit"),
    path("<int:pk>/move/", views.OrgMoveView.as_view(), name="org_move"),
    path("<int:pk>/dissolve/", views.OrgDissolveView.as_view(), name="org_dissolve"),
]
