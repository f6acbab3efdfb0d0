from django.urls import path

from . import views

app_name = "recruitment"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.RecordListView.as_view(), name="record_list"),
    path("records/export/", views.RecordExportView.as_view(), name="record_export"),
    path("records/new/", views.RecordCreateView.as_view(), name="record_create"),
    path("records/<int:pk>/", views.RecordDetailView.as_view(), name="record_detail"),
    path(
        "records/<int:pk>/step/<int:number>/",
        views.StepRecordView.as_view(),
        name="step_record",
    ),
    path("due/", views.due_list, name="due_list"),
    path("mine/", views.my_records, name="mine"),
]
