from django.urls import path

from . import views, views_forms, views_requests

app_name = "outreach"

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/<int:org_id>/", views.dashboard, name="dashboard"),
    path("orgs/<int:org_id>/attendance/", views.attendance, name="attendance"),
    path(
        "orgs/<int:org_id>/attendance/export/",
        views.attendance_export,
        name="cadre_attendance_export",
    ),
    path("orgs/<int:org_id>/centre/", views_forms.CentreEdit.as_view(), name="centre_edit"),
    path("centres/", views.CentreList.as_view(), name="centre_list"),
    path("centres/export/", views.export_of(views.CentreList).as_view(), name="centre_export"),
    path("centres/gaps/", views.GapList.as_view(), name="gap_list"),
    path("centres/gaps/export/", views.export_of(views.GapList).as_view(), name="gap_export"),
    path("centres/<int:centre_id>/", views.CentreDetail.as_view(), name="centre_detail"),
    path("duty/", views.ShiftList.as_view(), name="shift_list"),
    path("duty/export/", views.export_of(views.ShiftList).as_view(), name="shift_export"),
    path("duty/new/", views_forms.ShiftCreate.as_view(), name="shift_create"),
    path("duty/import/", views_forms.ShiftImport.as_view(), name="shift_import"),
    path("duty/<int:shift_id>/times/", views_forms.ShiftTimes.as_view(), name="shift_times"),
    path("visits/", views.VisitList.as_view(), name="visit_list"),
    path("visits/export/", views.export_of(views.VisitList).as_view(), name="visit_export"),
    path("visits/new/", views_forms.VisitCreate.as_view(), name="visit_create"),
    path("visits/<int:visit_id>/", views.VisitDetail.as_view(), name="visit_detail"),
    path("requests/", views.RequestList.as_view(), name="request_list"),
    path("requests/export/", views.export_of(views.RequestList).as_view(), name="request_export"),
    path("requests/new/", views_forms.RequestCreate.as_view(), name="request_create"),
    path("requests/<int:request_id>/", views_requests.request_detail, name="request_detail"),
    path(
        "requests/<int:request_id>/assign/",
        views_forms.RequestAssign.as_view(),
        name="request_assign",
    ),
    path(
        "requests/<int:request_id>/escalate/",
        views_forms.RequestEscalate.as_view(),
        name="request_escalate",
    ),
    path(
        "requests/<int:request_id>/resolve/",
        views_forms.RequestResolve.as_view(),
        name="request_resolve",
    ),
    path(
        "requests/<int:request_id>/close/", views_forms.RequestClose.as_view(), name="request_close"
    ),
    path("teams/", views.TeamList.as_view(), name="team_list"),
    path("teams/export/", views.export_of(views.TeamList).as_view(), name="team_export"),
    path("teams/new/", views_forms.TeamCreate.as_view(), name="team_create"),
    path("teams/<int:team_id>/", views.TeamDetail.as_view(), name="team_detail"),
    path(
        "teams/<int:team_id>/members/new/",
        views_forms.TeamMemberAdd.as_view(),
        name="team_member_add",
    ),
    path("stationed/", views.StationedList.as_view(), name="stationed_list"),
    path(
        "stationed/export/", views.export_of(views.StationedList).as_view(), name="stationed_export"
    ),
    path("poverty/", views.PovertyList.as_view(), name="poverty_list"),
    path("poverty/export/", views.export_of(views.PovertyList).as_view(), name="poverty_export"),
    path("poverty/new/", views_forms.PovertyCreate.as_view(), name="poverty_create"),
    path("training/", views.CourseList.as_view(), name="course_list"),
    path("training/export/", views.export_of(views.CourseList).as_view(), name="course_export"),
    path("training/new/", views_forms.CourseCreate.as_view(), name="course_create"),
    path("training/attendance/", views.AttendanceList.as_view(), name="attendance_list"),
    path(
        "training/attendance/export/",
        views.export_of(views.AttendanceList).as_view(),
        name="attendance_export",
    ),
    path("training/<int:course_id>/", views.CourseDetail.as_view(), name="course_detail"),
    path(
        "training/<int:course_id>/attendance/new/",
        views_forms.AttendanceAdd.as_view(),
        name="attendance_add",
    ),
    path("members/<int:member_id>/", views.member_contributions, name="member_contributions"),
]
