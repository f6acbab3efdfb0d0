from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/grades/", views.meeting_grades, name="meeting_grades"),
    path(
        "attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/export/", views.compliance_export, name="compliance_export"),
    path("orgs/<int:org_id>/compliance/", views.org_compliance, name="org_compliance"),
    path("orgs/<int:org_id>/plan/", views.plan, name="plan"),
    path("orgs/<int:org_id>/plan/generate/", views.plan_generate, name="plan_generate"),
    path("plan/<int:item_id>/", views.plan_item_edit, name="plan_item_edit"),
    path("orgs/<int:org_id>/training/", views.training, name="training"),
    path("lost-contact/", views.lost_contact_list, name="lost_contact_list"),
    path("lost-contact/<int:member_id>/", views.lost_contact_record, name="lost_contact_record"),
]
