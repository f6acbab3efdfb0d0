from django.urls import path

from . import views
from .campaign import views as campaign_views

app_name = "reports"

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("statistics/<int:pk>/rerun/", views.snapshot_rerun, name="snapshot_rerun"),
    path("statistics/<int:pk>/tables.xlsx", views.snapshot_export, name="snapshot_export"),
    path("statistics/<int:pk>/<slug:table>/", views.snapshot_table, name="snapshot_table"),
    path(
        "statistics/<int:pk>/<slug:table>.xlsx",
        views.snapshot_table_export,
        name="snapshot_table_export",
    ),
    path("quality/", views.data_quality, name="quality"),
    path("quality.xlsx", views.data_quality_export, name="quality_export"),
    path("findings/", views.rule_findings, name="findings"),
    path("findings.xlsx", views.rule_findings_export, name="findings_export"),
    path("campaign/", campaign_views.campaign, name="campaign"),
    path("campaign/<int:report_id>/", campaign_views.campaign_detail, name="campaign_detail"),
    path("campaign/<int:report_id>/report.pdf", campaign_views.campaign_pdf, name="campaign_pdf"),
    path(
        "campaign/<int:report_id>/figures.xlsx", campaign_views.campaign_xlsx, name="campaign_xlsx"
    ),
]
