"""Pages of the responsibility system: thin callers of selectors, services and scoring."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiceng.audit.services import note_denied
from jiceng.core import ruleset, scope
from jiceng.orgs.models import Organization, OrgKind
from jiceng.web.generic import ObjectDetailView, ObjectListView, ServiceFormView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import exports, forms, scoring, selectors, services
from .filters import (
    AssessmentFilterSet,
    AssignmentFilterSet,
    LedgerFilterSet,
    ProblemFilterSet,
    ProjectFilterSet,
    TaskFilterSet,
    WeakFilterSet,
)
from .models import (
    Assessment,
    Ledger,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    Rubric,
    TaskAssignment,
    WeakOrg,
    WeakStatus,
)

NAV = "accountability"


# --- the dashboard --------------------------------------------------------------------------


@login_required
def dashboard(request):
    user = request.user
    org_id = request.GET.get("org", "")
    if org_id.isdigit():
        org = get_visible_or_404(request, Organization.objects.all(), org_id)
        if scope.VIEW not in permitted_actions(user, org.path):
            # a member sees their own branch, not the figures of everything in it
            note_denied(request, obj=org, reason="not_permitted")
            raise PermissionDenied(_("You may not do this here"))
    else:
        org = selectors.dashboard_org(user)
    context = {"nav": NAV, "org": org, "columns": [label for _k, label, _u, _q in COLUMNS]}
    if org is not None:
        figures = selectors.subtree_figures(org)
        context.update(
            total=_cells(org, figures["total"]),
            rows=[(child, _cells(child, values)) for child, values in figures["children"]],
            per_level=[
                (
                    OrgKind(kind).label,
                    n,
                    f"{reverse('accountability:project_list')}?within={org.pk}&level={kind}",
                )
                for kind, n in selectors.projects_per_level(org)
            ],
            actions=permitted_actions(user, org.path),
            may_review=services.may_review(user, org),
        )
    return render(request, "accountability/dashboard.html", context)


# (figure, column label, list page, its filter): every figure links to its records.
COLUMNS = [
    ("projects", _("Secretary projects"), "project_list", ""),
    ("projects_completed", _("completed"), "project_list", "status=completed"),
    ("milestones_overdue", _("milestones overdue"), "project_list", "state=overdue"),
    ("ledgers", _("Problem ledgers"), "ledger_list", ""),
    ("problems", _("problems found"), "problem_list", ""),
    ("problems_closed", _("closed (销号)"), "problem_list", "status=closed"),
    ("problems_closed_on_time", _("closed on time"), "problem_list", "state=closed_on_time"),
    ("problems_overdue", _("overdue"), "problem_list", "state=overdue"),
    ("assignments", _("Key task assignments"), "assignment_list", ""),
    ("assignments_done", _("done"), "assignment_list", "status=done"),
    ("assignments_overdue", _("overdue"), "assignment_list", "state=overdue"),
    ("weak", _("Weak-and-lax organisations"), "weak_list", ""),
    ("weak_closed", _("closed (销号)"), "weak_list", "status=closed"),
    ("weak_overdue", _("overdue"), "weak_list", "state=overdue"),
]


def _cells(org, values) -> list[tuple[str, str, int, str]]:
    cells = []
    for key, label, page, query in COLUMNS:
        url = f"{reverse('accountability:' + page)}?within={org.pk}"
        cells.append((key, label, values[key], f"{url}&{query}" if query else url))
    return cells


# --- lists ----------------------------------------------------------------------------------


class _List(ObjectListView):
    template_name = "accountability/list.html"
    fragment_template = ""
    title = ""
    table = ""
    list_url = ""
    export_url = ""

    def get(self, request, *args, **kwargs):
        self.fragment_template = self.table
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **context):
        form = context["filter_form"]
        within = form.cleaned_data.get("within") if form.is_valid() else None
        return {
            **context,
            "nav": NAV,
            "title": self.title,
            "table": self.table,
            "list_url": self.list_url,
            "export_url": self.export_url,
            "within": within,
            "extra_actions": self.extra_actions(),
        }

    def extra_actions(self) -> list:
        return []


class ProjectListView(_List):
    filterset_class = ProjectFilterSet
    title = _("Secretary projects")
    table = "accountability/_projects.html"
    list_url = "accountability:project_list"
    export_url = "accountability:project_export"

    def get_queryset(self):
        return selectors.projects_visible(self.request.user).order_by("-year", "org__path", "pk")


class LedgerListView(_List):
    filterset_class = LedgerFilterSet
    title = _("Problem ledgers")
    table = "accountability/_ledgers.html"
    list_url = "accountability:ledger_list"

    def get_queryset(self):
        return selectors.ledgers_visible(self.request.user).order_by("-year", "org__path", "pk")


class ProblemListView(_List):
    filterset_class = ProblemFilterSet
    title = _("Ledger problems")
    table = "accountability/_problems.html"
    list_url = "accountability:problem_list"
    export_url = "accountability:problem_export"

    def get_queryset(self):
        return selectors.problems_visible(self.request.user).order_by("deadline", "pk")


class TaskListView(_List):
    filterset_class = TaskFilterSet
    title = _("Key tasks")
    table = "accountability/_tasks.html"
    list_url = "accountability:task_list"

    def get_queryset(self):
        return selectors.tasks_visible(self.request.user).order_by("-year", "deadline", "pk")


class AssignmentListView(_List):
    filterset_class = AssignmentFilterSet
    title = _("Key task assignments")
    table = "accountability/_assignments.html"
    list_url = "accountability:assignment_list"
    export_url = "accountability:assignment_export"

    def get_queryset(self):
        return selectors.assignments_visible(self.request.user).order_by("task_id", "org__path")


class AssessmentListView(_List):
    filterset_class = AssessmentFilterSet
    title = _("Assessments")
    table = "accountability/_assessments.html"
    list_url = "accountability:assessment_list"
    export_url = "accountability:assessment_export"

    def get_queryset(self):
        return selectors.assessments_visible(self.request.user).order_by("rubric_id", "org__path")

    def get_context_data(self, **context):
        context = super().get_context_data(**context)
        objects = context["objects"]
        ranks = {}
        for rubric_id in {a.rubric_id for a in objects}:
            ranks.update(selectors.rubric_ranking(rubric_id, self.request.user))
        for a in objects:
            a.rank = ranks.get(a.pk)
        return context


class WeakListView(_List):
    filterset_class = WeakFilterSet
    title = _("Weak-and-lax organisations")
    table = "accountability/_weak.html"
    list_url = "accountability:weak_list"
    export_url = "accountability:weak_export"

    def get_queryset(self):
        return selectors.weak_visible(self.request.user).order_by("-year", "org__path")

    def extra_actions(self) -> list:
        org = selectors.dashboard_org(self.request.user)
        if org is None or scope.CHANGE not in permitted_actions(self.request.user, org.path):
            return []
        url = f"{reverse('accountability:weak_candidates')}?org={org.pk}"
        return [(url, _("Candidates from scores and criteria"), "weak-candidates")]


class ProjectExportView(exports.ExportMixin, ProjectListView):
    list_name, columns = "secretary_projects", staticmethod(exports.project_columns)


class ProblemExportView(exports.ExportMixin, ProblemListView):
    list_name, columns = "ledger_problems", staticmethod(exports.problem_columns)


class AssignmentExportView(exports.ExportMixin, AssignmentListView):
    list_name, columns = "key_task_assignments", staticmethod(exports.assignment_columns)


class AssessmentExportView(exports.ExportMixin, AssessmentListView):
    list_name, columns = "assessments", staticmethod(exports.assessment_columns)


class WeakExportView(exports.ExportMixin, WeakListView):
    list_name, columns = "weak_orgs", staticmethod(exports.weak_columns)


# --- detail pages ---------------------------------------------------------------------------


class _Detail(ObjectDetailView):
    def get_context_data(self, **context):
        obj = self.object
        org = obj.org
        return {
            **context,
            "nav": NAV,
            "actions": permitted_actions(self.request.user, org.path),
            "may_review": services.may_review(self.request.user, org),
        }


class ProjectDetailView(_Detail):
    queryset = Project.objects.select_related("org", "claimed_by", "reviewed_by")
    template_name = "accountability/project_detail.html"

    def get_context_data(self, **context):
        return {
            **super().get_context_data(**context),
            "milestones": list(self.object.milestones.all()),
            "reports": list(self.object.reports.select_related("reported_by")),
            "statuses": ProjectStatus,
        }


class LedgerDetailView(_Detail):
    queryset = Ledger.objects.select_related("org")
    template_name = "accountability/ledger_detail.html"

    def get_context_data(self, **context):
        return {
            **super().get_context_data(**context),
            "objects": list(self.object.problems.select_related("org", "ledger")),
        }


class ProblemDetailView(_Detail):
    queryset = Problem.objects.select_related("org", "ledger", "closed_by")
    template_name = "accountability/problem_detail.html"

    def get_context_data(self, **context):
        return {**super().get_context_data(**context), "statuses": ProblemStatus}


class TaskDetailView(ObjectDetailView):
    template_name = "accountability/task_detail.html"

    def get_object(self):
        visible = selectors.tasks_visible(self.request.user)
        task = visible.filter(pk=self.kwargs["pk"]).first()
        if task is None:
            note_denied(
                self.request,
                obj=("accountability.keytask", self.kwargs["pk"], ""),
                reason="not_visible",
            )
            raise Http404
        return task

    def get_context_data(self, **context):
        rows = list(
            selectors.assignments_visible(self.request.user)
            .filter(task=self.object)
            .order_by("org__path")
        )
        done = sum(1 for a in rows if a.status == "done")
        return {**context, "nav": NAV, "assignments": rows, "done": done}


class AssessmentDetailView(_Detail):
    queryset = Assessment.objects.select_related("org", "rubric", "reviewed_by")
    template_name = "accountability/assessment_detail.html"

    def get_context_data(self, **context):
        a = self.object
        ranks = selectors.rubric_ranking(a.rubric_id, self.request.user)
        return {
            **super().get_context_data(**context),
            "rows": selectors.assessment_scores(a),
            "rank": ranks.get(a.pk),
            "ranked": len(ranks),
        }


class WeakDetailView(_Detail):
    queryset = WeakOrg.objects.select_related("org", "identified_by", "closed_by")
    template_name = "accountability/weak_detail.html"

    def get_context_data(self, **context):
        return {**super().get_context_data(**context), "statuses": WeakStatus}


@login_required
def rubric_list(request):
    rubrics = Rubric.objects.all().order_by("-year", "org_kind", "-version")
    return render(
        request,
        "accountability/rubric_list.html",
        {"nav": NAV, "rubrics": rubrics, "may_issue": scoring.may_issue_rubrics(request.user)},
    )


@login_required
def rubric_detail(request, pk: int):
    rubric = Rubric.objects.filter(pk=pk).first()
    if rubric is None:
        raise Http404
    items = scoring.rubric_items(rubric)
    categories = []
    for item in items:
        if not categories or categories[-1][0].pk != item.category_id:
            categories.append((item.category, []))
        categories[-1][1].append(item)
    return render(
        request,
        "accountability/rubric_detail.html",
        {
            "nav": NAV,
            "rubric": rubric,
            "categories": categories,
            "count": len(items),
            "may_issue": scoring.may_issue_rubrics(request.user),
        },
    )


# --- forms ----------------------------------------------------------------------------------


class _Form(ServiceFormView):
    template_name = "accountability/form.html"
    title = ""
    review = False  # the level above's: refused (403) to anyone else, GET included

    def setup_object(self):
        super().setup_object()
        if self.review and not services.may_review(self.request.user, self.target_org()):
            note_denied(self.request, obj=self.object, reason="not_level_above")
            raise PermissionDenied(_("Only the level above may do this."))

    def target_org(self):
        return self.object.org

    def get_context_data(self, **context):
        return {**context, "nav": NAV, "title": self.title, "org": self.target_org()}

    def get_success_url(self, result):
        return result.get_absolute_url()


class _OrgForm(_Form):
    """A form for a new record of `?org=<pk>` (default: the user's own organisation)."""

    org_action = scope.ADD

    def setup_object(self):
        self.object = None
        pk = self.request.POST.get("org") or self.request.GET.get("org")
        if not str(pk or "").isdigit():
            default = selectors.dashboard_org(self.request.user)
            if default is None:
                raise Http404(_("Choose the organisation first"))
            pk = default.pk
        self.org = get_visible_or_404(self.request, Organization.objects.all(), pk, self.org_action)
        if self.review and not services.may_review(self.request.user, self.org):
            note_denied(self.request, obj=self.org, reason="not_level_above")
            raise PermissionDenied(_("Only the level above may do this."))

    def target_org(self):
        return self.org


class ProjectClaimView(_OrgForm):
    form_class = forms.ProjectClaimForm
    title = _("Claim a secretary project")
    success_message = _("The project has been claimed.")

    def perform(self, form):
        return services.project_claim(actor=self.request.user, org=self.org, **form.cleaned_data)


class ProjectReportView(_Form):
    form_class = forms.ProjectReportForm
    queryset = Project.objects.select_related("org")
    title = _("Report progress")
    success_message = _("The progress has been recorded.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.object}

    def perform(self, form):
        services.project_report(actor=self.request.user, project=self.object, **form.cleaned_data)
        return self.object


class ProjectSubmitView(_Form):
    form_class = forms.ConfirmForm
    queryset = Project.objects.select_related("org")
    title = _("Submit to the level above")
    success_message = _("The project has been submitted for review.")

    def perform(self, form):
        return services.project_submit(actor=self.request.user, project=self.object)


class ProjectReviewView(_Form):
    form_class = forms.ReviewForm
    queryset = Project.objects.select_related("org")
    action = scope.VIEW
    review = True
    title = _("Review the secretary project")
    success_message = _("The review has been recorded.")

    def perform(self, form):
        return services.project_review(
            actor=self.request.user,
            project=self.object,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


class LedgerCreateView(_OrgForm):
    form_class = forms.LedgerForm
    title = _("New problem ledger")
    success_message = _("The ledger has been created.")

    def perform(self, form):
        return services.ledger_create(actor=self.request.user, org=self.org, **form.cleaned_data)


class ProblemOpenView(_Form):
    form_class = forms.ProblemForm
    queryset = Ledger.objects.select_related("org")
    action = scope.ADD
    title = _("Record a problem")
    success_message = _("The problem has been recorded.")

    def perform(self, form):
        return services.problem_open(
            actor=self.request.user, ledger=self.object, **form.cleaned_data
        )


class ProblemRectifyView(_Form):
    form_class = forms.RectifyForm
    queryset = Problem.objects.select_related("org", "ledger")
    title = _("Report the problem rectified")
    success_message = _("The rectification has been reported to the level above.")

    def perform(self, form):
        return services.problem_rectify(
            actor=self.request.user, problem=self.object, **form.cleaned_data
        )


class ProblemReviewView(_Form):
    form_class = forms.CloseForm
    queryset = Problem.objects.select_related("org", "ledger")
    action = scope.VIEW
    review = True
    title = _("Close (销号) the problem")
    success_message = _("The review has been recorded.")

    def perform(self, form):
        return services.problem_review(
            actor=self.request.user,
            problem=self.object,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


class TaskIssueView(_OrgForm):
    form_class = forms.TaskForm
    title = _("Issue a key task")
    success_message = _("The task has been issued.")

    def perform(self, form):
        return services.task_issue(actor=self.request.user, org=self.org, **form.cleaned_data)


class AssignmentReportView(_Form):
    form_class = forms.AssignmentReportForm
    queryset = TaskAssignment.objects.select_related("org", "task")
    title = _("Report on the key task")
    template_name = "accountability/assignment_form.html"
    success_message = _("The report has been recorded.")

    def get_initial(self):
        return {"status": self.object.status, "evidence": self.object.evidence}

    def perform(self, form):
        return services.assignment_report(
            actor=self.request.user, assignment=self.object, **form.cleaned_data
        )

    def get_success_url(self, result):
        return reverse("accountability:task_detail", args=[result.task_id])


class AssessmentStartView(_OrgForm):
    form_class = forms.AssessmentStartForm
    org_action = scope.VIEW
    review = True
    title = _("Assess an organisation")
    success_message = _("The assessment has been scored from the records.")

    def get_form_kwargs(self):
        rubrics = Rubric.objects.filter(org_kind=self.org.kind).order_by("-year", "-version")
        return {**super().get_form_kwargs(), "rubrics": list(rubrics)}

    def perform(self, form):
        return scoring.assessment_start(actor=self.request.user, org=self.org, **form.cleaned_data)


class _ScoreView(_Form):
    form_class = forms.ScoreForm
    queryset = Assessment.objects.select_related("org", "rubric")
    template_name = "accountability/score_form.html"

    def get_form_kwargs(self):
        self.rows = selectors.assessment_scores(self.object)
        return {**super().get_form_kwargs(), "rows": self.rows, "review": self.review}

    def get_context_data(self, **context):
        return {**super().get_context_data(**context), "rows": self.rows}


class AssessmentSelfView(_ScoreView):
    title = _("Self-score")
    success_message = _("The self-score has been recorded.")

    def perform(self, form):
        return scoring.assessment_self_score(
            actor=self.request.user,
            assessment=self.object,
            scores=form.scores(),
            evidence=form.evidence(),
        )


class AssessmentReviewView(_ScoreView):
    action = scope.VIEW
    review = True
    title = _("Review score")
    success_message = _("The review score has been recorded.")

    def perform(self, form):
        return scoring.assessment_review(
            actor=self.request.user,
            assessment=self.object,
            scores=form.scores(),
            vetoes=form.vetoes(),
        )


@login_required
@require_POST
def assessment_refresh(request, pk: int):
    assessment = get_visible_or_404(
        request, Assessment.objects.select_related("org", "rubric"), pk, scope.CHANGE
    )
    scoring.assessment_refresh(actor=request.user, assessment=assessment)
    messages.success(request, _("Scored again from the records."))
    return redirect(assessment.get_absolute_url())


class WeakIdentifyView(_OrgForm):
    form_class = forms.WeakIdentifyForm
    org_action = scope.VIEW
    review = True
    title = _("Identify a weak-and-lax organisation")
    success_message = _("The organisation has been identified; its rectification plan is due.")

    def perform(self, form):
        return services.weak_identify(actor=self.request.user, org=self.org, **form.cleaned_data)


class WeakPlanView(_Form):
    form_class = forms.WeakPlanForm
    queryset = WeakOrg.objects.select_related("org")
    title = _("Rectification plan (四个一)")
    success_message = _("The plan has been recorded.")

    def get_initial(self):
        w = self.object
        return {
            "leader": w.leader,
            "work_team": w.work_team,
            "first_secretary": w.first_secretary,
            "plan": w.plan,
            "deadline": w.deadline,
        }

    def perform(self, form):
        return services.weak_plan(actor=self.request.user, weak=self.object, **form.cleaned_data)


class WeakProgressView(_Form):
    form_class = forms.WeakProgressForm
    queryset = WeakOrg.objects.select_related("org")
    title = _("Rectification progress")
    field_map = {"progress_note": "note"}
    success_message = _("The progress has been recorded.")

    def get_initial(self):
        return {"progress": self.object.progress, "note": self.object.progress_note}

    def perform(self, form):
        return services.weak_progress(
            actor=self.request.user, weak=self.object, **form.cleaned_data
        )


class WeakCloseView(_Form):
    form_class = forms.ConfirmForm
    queryset = WeakOrg.objects.select_related("org")
    action = scope.VIEW
    review = True
    title = _("Close (销号) the rectification")
    success_message = _("The rectification has been closed.")

    def perform(self, form):
        return services.weak_close(actor=self.request.user, weak=self.object)


class WeakCandidatesView(_OrgForm):
    """The level above's candidates for weak-and-lax identification under `?org=`, each with
    its reasons (scores and criteria, identification.py); the checked ones are identified in
    one action, each with its (editable) reason. Nothing is written when anything is wrong."""

    form_class = forms.WeakCandidatesForm
    org_action = scope.CHANGE
    template_name = "accountability/weak_candidates.html"
    title = _("Weak-and-lax candidates")

    def criteria(self):
        from . import identification

        today = timezone.localdate()
        params = ruleset.snapshot(on=today)
        initial = {
            "year": today.year,
            "below": params[identification.SCORE_BELOW],
            "life_overdue": params[identification.LIFE_OVERDUE],
        }
        data = {k: self.request.GET.get(k) or v for k, v in initial.items()}
        form = forms.WeakCandidatesForm(data, user=self.request.user)
        values = form.cleaned_data if form.is_valid() else initial
        return form, {k: values.get(k) or initial[k] for k in initial}

    def render_page(self, errors=(), picked=(), reasons=None, status=200):
        from . import identification

        criteria_form, values = self.criteria()
        found = identification.candidates(
            self.request.user,
            self.org,
            year=values["year"],
            below=values["below"],
            life_overdue=values["life_overdue"],
        )
        reasons = reasons or {}
        rows = [(c, reasons.get(c.org.pk, c.reason), c.org.pk in picked) for c in found]
        context = {
            "nav": NAV,
            "title": self.title,
            "org": self.org,
            "form": criteria_form,
            "values": values,
            "rows": rows[: identification.SHOWN],
            "count": len(rows),
            "errors": errors,
            "manual_url": f"{reverse('accountability:weak_create')}?org={self.org.pk}",
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        self.setup_object()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        from django.core.exceptions import ValidationError

        from . import identification

        self.setup_object()
        _form, values = self.criteria()
        picked = [int(v) for v in request.POST.getlist("pick") if v.isdigit()]
        reasons = {pk: request.POST.get(f"reason_{pk}", "") for pk in picked}
        picks = [
            {
                "org": pk,
                "basis": request.POST.get(f"basis_{pk}", "criteria"),
                "reason": reasons[pk],
            }
            for pk in picked
        ]
        try:
            identification.weak_identify_many(actor=request.user, picks=picks, year=values["year"])
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
            return self.render_page(errors, set(picked), reasons)
        messages.success(
            request,
            _("%(n)d organisations identified as weak and lax; their rectification plans are due.")
            % {"n": len(picks)},
        )
        return redirect(
            f"{reverse('accountability:weak_list')}?within={self.org.pk}&year={values['year']}"
        )


# --- rubrics: written on a page, copied to a new year ----------------------------------------


class _RubricIssuer:
    """Rubrics are issued by the city's administrators (scoring.may_issue_rubrics): anyone
    else is refused, the form included."""

    def setup_object(self):
        super().setup_object()
        if not scoring.may_issue_rubrics(self.request.user):
            note_denied(self.request, obj=self.object, reason="not_rubric_issuer")
            raise PermissionDenied(_("Only the city's administrators issue assessment rubrics."))


class RubricCreateView(_RubricIssuer, ServiceFormView):
    """A new rubric, or a new version (`?from=<rubric>` prefills the form with one)."""

    form_class = forms.RubricForm
    template_name = "accountability/rubric_form.html"
    success_message = _("The rubric has been issued.")

    def source(self):
        pk = self.request.GET.get("from", "")
        return Rubric.objects.filter(pk=pk).first() if pk.isdigit() else None

    def get_initial(self):
        source = self.source()
        if source is None:
            return {"year": timezone.localdate().year, "org_kind": "branch"}
        return forms.RubricForm.initial_from(
            scoring.rubric_specs(source),
            name=source.name,
            year=source.year,
            org_kind=source.org_kind,
        )

    def rows(self) -> int:
        raw = self.request.POST.get("rows") or self.request.GET.get("rows") or ""
        wanted = int(raw) if raw.isdigit() else 0
        source = self.source()
        if source is not None and not self.request.POST:
            wanted = max(wanted, len(scoring.rubric_items(source)) + 5)
        return min(forms.RUBRIC_MAX_ROWS, max(forms.RUBRIC_ROWS, wanted))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rows": self.rows()}

    def get_context_data(self, **context):
        return {**context, "nav": NAV, "source": self.source()}

    def get_success_url(self, result):
        return result.get_absolute_url()

    def perform(self, form):
        from django.core.exceptions import ValidationError

        specs = form.categories()
        try:
            return scoring.rubric_create(
                actor=self.request.user,
                year=form.cleaned_data["year"],
                org_kind=form.cleaned_data["org_kind"],
                name=form.cleaned_data["name"],
                categories=specs,
                copied_from=self.source(),
            )
        except ValidationError as exc:
            mapped: dict[str, list] = {}
            for key, messages_ in exc.message_dict.items():
                field = form.where.get(key, key)
                mapped.setdefault(field, []).extend(messages_)
                if field != key or key == "categories":
                    where = _where_label(field)
                    mapped.setdefault("__all__", []).extend(f"{where}{m}" for m in messages_)
            raise ValidationError(mapped) from exc


def _where_label(field: str) -> str:
    if field.startswith("c") and "_" in field:
        return _("Category %(n)s: ") % {"n": int(field[1 : field.index("_")]) + 1}
    if field.startswith("r") and "_" in field:
        return _("Row %(n)s: ") % {"n": int(field[1 : field.index("_")]) + 1}
    return ""


class RubricCopyView(_RubricIssuer, ServiceFormView):
    """Last year's rubric as the new year's (scoring.rubric_copy)."""

    form_class = forms.RubricCopyForm
    template_name = "accountability/form.html"
    success_message = _("The rubric has been copied.")

    def get_object(self):
        rubric = Rubric.objects.filter(pk=self.kwargs["pk"]).first()
        if rubric is None:
            raise Http404
        return rubric

    def get_initial(self):
        return {"year": self.object.year + 1}

    def get_context_data(self, **context):
        return {**context, "nav": NAV, "title": _("Copy the rubric to another year"), "org": None}

    def perform(self, form):
        return scoring.rubric_copy(actor=self.request.user, rubric=self.object, **form.cleaned_data)

    def get_success_url(self, result):
        return result.get_absolute_url()
