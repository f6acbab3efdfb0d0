from django.urls import path

from . import export_views, views

app_name = "transfer"

urlpatterns = [
    path("import/", views.import_upload, name="import_upload"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/rerun/", views.import_rerun, name="import_rerun"),
    path("import/<int:pk>/errors.xlsx", views.import_annotated, name="import_annotated"),
    path("export/members.xlsx", export_views.MemberExportView.as_view(), name="export_members"),
    path("export/orgs.xlsx", export_views.OrgExportView.as_view(), name="export_orgs"),
]
