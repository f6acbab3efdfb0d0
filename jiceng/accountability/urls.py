from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # secretary projects (书记项目)
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/export/", views.ProjectExportView.as_view(), name="project_export"),
    path("projects/new/", views.ProjectClaimView.as_view(), name="project_create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/report/", views.ProjectReportView.as_view(), name="project_report"),
    path("projects/<int:pk>/submit/", views.ProjectSubmitView.as_view(), name="project_submit"),
    path("projects/<int:pk>/review/", views.ProjectReviewView.as_view(), name="project_review"),
    # problem ledgers (问题台账)
    path("ledgers/", views.LedgerListView.as_view(), name="ledger_list"),
    path("ledgers/new/", views.LedgerCreateView.as_view(), name="ledger_create"),
    path("ledgers/<int:pk>/", views.LedgerDetailView.as_view(), name="ledger_detail"),
    path("ledgers/<int:pk>/problem/", views.ProblemOpenView.as_view(), name="problem_create"),
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/export/", views.ProblemExportView.as_view(), name="problem_export"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/rectify/", views.ProblemRectifyView.as_view(), name="problem_rectify"),
    path("problems/<int:pk>/review/", views.ProblemReviewView.as_view(), name="problem_review"),
    # key tasks
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/new/", views.TaskIssueView.as_view(), name="task_create"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/export/", views.AssignmentExportView.as_view(), name="assignment_export"),
    path("assignments/<int:pk>/", views.AssignmentReportView.as_view(), name="assignment_report"),
    # scored assessment (量化考核)
    path("rubrics/", views.rubric_list, name="rubric_list"),
    path("rubrics/new/", views.RubricCreateView.as_view(), name="rubric_create"),
    path("rubrics/<int:pk>/", views.rubric_detail, name="rubric_detail"),
    path("rubrics/<int:pk>/copy/", views.RubricCopyView.as_view(), name="rubric_copy"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/export/", views.AssessmentExportView.as_view(), name="assessment_export"),
    path("assessments/new/", views.AssessmentStartView.as_view(), name="assessment_create"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/refresh/", views.assessment_refresh, name="assessment_refresh"),
    path("assessments/<int:pk>/self/", views.AssessmentSelfView.as_view(), name="assessment_self"),
    path(
        "assessments/<int:pk>/review/",
        views.AssessmentReviewView.as_view(),
        name="assessment_review",
    ),
    # weak-and-lax organisations (软弱涣散)
    path("weak/", views.WeakListView.as_view(), name="weak_list"),
    path("weak/export/", views.WeakExportView.as_view(), name="weak_export"),
    path("weak/new/", views.WeakIdentifyView.as_view(), name="weak_create"),
    path("weak/candidates/", views.WeakCandidatesView.as_view(), name="weak_candidates"),
    path("weak/<int:pk>/", views.WeakDetailView.as_view(), name="weak_detail"),
    path("weak/<int:pk>/plan/", views.WeakPlanView.as_view(), name="weak_plan"),
    path("weak/<int:pk>/progress/", views.WeakProgressView.as_view(), name="weak_progress"),
    path("weak/<int:pk>/close/", views.WeakCloseView.as_view(), name="weak_close"),
]
