from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.my_dues, name="mine"),
    path("org/<int:org_id>/", views.org_dues, name="org"),
    path("org/<int:org_id>/collect/", views.collect, name="collect"),
    path("org/<int:org_id>/import/", views.import_payments, name="import"),
    path("org/<int:org_id>/sheet/", views.month_sheet, name="month_sheet"),
    path("org/<int:org_id>/sheet.xlsx", views.month_sheet_export, name="month_sheet_export"),
    path("org/<int:org_id>/year/", views.year_summary, name="year_summary"),
    path("org/<int:org_id>/year.xlsx", views.year_summary_export, name="year_summary_export"),
    path("member/<int:member_id>/", views.member_dues, name="member"),
    path("member/<int:member_id>/standard/", views.standard_set, name="standard_set"),
    path("member/<int:member_id>/reduction/", views.reduction_apply, name="reduction_apply"),
    path("reduction/<int:reduction_id>/decide/", views.reduction_decide, name="reduction_decide"),
]
