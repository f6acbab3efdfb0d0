"""The service system's forms: each a ServiceFormView calling one service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.web.generic import ServiceFormView
from jiceng.web.scoping import get_visible_or_404

from . import dutyimport, forms, selectors, services
from .models import (
    DutyShift,
    HouseholdVisit,
    ResidentRequest,
    ServiceCentre,
    TrainingCourse,
    WorkTeam,
)


def member_or_error(user, pk, field: str) -> Member | None:
    if pk is None:
        return None
    member = Member.objects.restrict(user).select_related("org").filter(pk=pk).first()
    if member is None:
        raise ValidationError({field: [_("No such member within your scope")]})
    return member


def own_member(user):
    return Member.objects.filter(user=user).values_list("pk", flat=True).first()


def places(user, villages_only=False):
    qs = selectors.visible_orgs(user, scope.ADD).filter(selectors.places_q()).order_by("path")
    return qs.exclude(kind="township") if villages_only else qs


def require_somewhere(queryset) -> None:
    if not queryset.exists():
        raise PermissionDenied(_("You may not add records here"))


class FormView(ServiceFormView):
    template_name = "outreach/form.html"
    action = scope.ADD
    title = ""
    choices: dict = {}  # form field -> callable(user) giving its queryset

    def setup_object(self):
        super().setup_object()
        for qs in self.querysets().values():
            require_somewhere(qs)

    def querysets(self) -> dict:
        return {name: fn(self.request.user) for name, fn in self.choices.items()}

    def get_form(self, data=None, files=None):
        form = self.form_class(data, files, initial=self.get_initial())
        for name, qs in self.querysets().items():
            form.fields[name].queryset = qs
        form.style_fields()
        return form

    def get_initial(self):
        return {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}

    def get_context_data(self, **context):
        return {**context, "nav": "outreach", "title": self.title}


class CentreEdit(FormView):
    """Create or edit the service centre of one township or village."""

    form_class = forms.CentreForm
    title = _("Service centre")

    def setup_object(self):
        self.org = get_visible_or_404(
            self.request,
            Organization.objects.select_related("parent"),
            self.kwargs["org_id"],
            scope.CHANGE,
        )
        self.object = ServiceCentre.objects.filter(org=self.org).first()

    def get_initial(self):
        if self.object is None:
            return {"name": f"{self.org.name}党群服务中心"}
        return {f: getattr(self.object, f) for f in services.CENTRE_FIELDS}

    def perform(self, form):
        return services.centre_save(actor=self.request.user, org=self.org, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("outreach:centre_detail", args=[result.pk])


class ShiftCreate(FormView):
    form_class = forms.ShiftForm
    title = _("Put a cadre on duty")
    choices = {"org": places}

    def perform(self, form):
        d = form.cleaned_data
        cadre = member_or_error(self.request.user, d["cadre"], "cadre")
        return services.duty_schedule(
            actor=self.request.user, org=d["org"], cadre=cadre, on=d["on"]
        )

    def get_success_url(self, result):
        return reverse("outreach:shift_list") + f"?org={result.org_id}"


class ShiftTimes(FormView):
    form_class = forms.TimesForm
    title = _("Check-in and check-out")
    queryset = DutyShift.objects.select_related("org", "cadre")
    action = scope.CHANGE

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["shift_id"], self.action)

    def get_initial(self):
        fmt = "%Y-%m-%dT%H:%M"
        s = self.object
        return {
            "checked_in_at": timezone.localtime(s.checked_in_at).strftime(fmt)
            if s.checked_in_at
            else "",
            "checked_out_at": timezone.localtime(s.checked_out_at).strftime(fmt)
            if s.checked_out_at
            else "",
        }

    def get_context_data(self, **context):
        s = self.object
        return {
            **super().get_context_data(**context),
            "subtitle": f"{s.cadre.name} · {s.org.name} · {s.on}",
        }

    def perform(self, form):
        d = form.cleaned_data
        return services.duty_record(
            actor=self.request.user,
            shift=self.object,
            checked_in_at=d["checked_in_at"],
            checked_out_at=d["checked_out_at"],
        )

    def get_success_url(self, result):
        return reverse("outreach:shift_list") + f"?org={result.org_id}"


class ShiftImport(FormView):
    form_class = forms.ImportForm
    title = _("Import duty records")
    choices = {}

    def setup_object(self):
        require_somewhere(places(self.request.user))

    def get_form(self, data=None, files=None):
        form = forms.ImportForm(data, self.request.FILES if data is not None else None)
        return form

    def perform(self, form):
        upload = form.cleaned_data["file"]
        count = dutyimport.duty_import(
            actor=self.request.user, filename=upload.name, data=upload.read()
        )
        self.success_message = _("%(n)s duty records imported.") % {"n": count}
        return count

    def get_context_data(self, **context):
        return {
            **super().get_context_data(**context),
            "multipart": True,
            "columns": [c.header for c in dutyimport.LAYOUT.columns],
        }

    def get_success_url(self, result):
        return reverse("outreach:shift_list")


class VisitCreate(FormView):
    form_class = forms.VisitForm
    title = _("Record a household visit")
    choices = {"village": lambda user: places(user, villages_only=True)}

    def get_initial(self):
        return {
            "visitor": own_member(self.request.user),
            "visited_on": timezone.localdate(),
            **super().get_initial(),
        }

    def get_form(self, data=None, files=None):
        form = super().get_form(data, files)
        user = self.request.user
        form.fields["visitor"].widget.label_for = lambda pk: (
            Member.objects.restrict(user).filter(pk=pk).values_list("name", flat=True).first()
        )
        return form

    def perform(self, form):
        d = dict(form.cleaned_data)
        d["visitor"] = member_or_error(self.request.user, d["visitor"], "visitor")
        if d["visitor"] is None:
            raise ValidationError({"visitor": [_("This field is required.")]})
        return services.visit_record(actor=self.request.user, **d)

    def get_success_url(self, result):
        return reverse("outreach:visit_detail", args=[result.pk])


class RequestCreate(FormView):
    form_class = forms.RequestForm
    title = _("Register a resident's request")
    choices = {"origin": places}

    def setup_object(self):
        super().setup_object()
        self.visit = None
        pk = self.request.GET.get("visit", "")
        if pk.isdigit():
            self.visit = get_visible_or_404(
                self.request, HouseholdVisit.objects.select_related("village"), int(pk), scope.ADD
            )

    def get_initial(self):
        initial = super().get_initial()
        if self.visit is not None:
            initial.update(
                origin=self.visit.village_id,
                channel="visit",
                resident_name=self.visit.household,
                subject=self.visit.raised[:200],
            )
        return initial

    def get_context_data(self, **context):
        return {
            **super().get_context_data(**context),
            "subtitle": str(self.visit) if self.visit else "",
        }

    def perform(self, form):
        d = form.cleaned_data
        return services.request_register(
            actor=self.request.user,
            origin=d["origin"],
            channel=d["channel"],
            visit=self.visit,
            resident_name=d["resident_name"],
            resident_phone=d["resident_phone"],
            subject=d["subject"],
            details=d["details"],
            deadline=d["deadline"],
        )

    def get_success_url(self, result):
        return reverse("outreach:request_detail", args=[result.pk])


class RequestAction(FormView):
    """One step of a request, on its own page (GET) and from the request's page (POST)."""

    queryset = ResidentRequest.objects.select_related("org", "origin", "assignee")
    action = scope.CHANGE
    template_name = "outreach/request_detail.html"
    step = ""

    def get_object(self):
        return get_visible_or_404(
            self.request, self.queryset, self.kwargs["request_id"], self.action
        )

    def get_context_data(self, **context):
        from .views_requests import request_context

        return request_context(self.request, self.object, **{f"{self.step}_form": context["form"]})

    def get_success_url(self, result):
        return reverse("outreach:request_detail", args=[result.pk])


class RequestAssign(RequestAction):
    form_class, step = forms.AssignForm, "assign"

    def perform(self, form):
        d = form.cleaned_data
        assignee = member_or_error(self.request.user, d["assignee"], "assignee")
        if assignee is None:
            raise ValidationError({"assignee": [_("This field is required.")]})
        return services.request_assign(
            actor=self.request.user, request=self.object, assignee=assignee, note=d["note"]
        )


class RequestEscalate(RequestAction):
    form_class, step = forms.EscalateForm, "escalate"

    def perform(self, form):
        return services.request_escalate(
            actor=self.request.user, request=self.object, note=form.cleaned_data["note"]
        )


class RequestResolve(RequestAction):
    form_class, step = forms.ResolveForm, "resolve"

    def perform(self, form):
        return services.request_resolve(
            actor=self.request.user,
            request=self.object,
            resolution_note=form.cleaned_data["resolution_note"],
        )


class RequestClose(RequestAction):
    form_class, step = forms.CloseForm, "close"

    def perform(self, form):
        d = form.cleaned_data
        return services.request_close(
            actor=self.request.user,
            request=self.object,
            satisfaction=d["satisfaction"],
            resolution_note=d["resolution_note"],
        )


class TeamCreate(FormView):
    form_class = forms.TeamForm
    title = _("New village work team")
    choices = {"village": lambda user: places(user, villages_only=True)}

    def perform(self, form):
        return services.team_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("outreach:team_detail", args=[result.pk])


class TeamMemberAdd(FormView):
    form_class = forms.TeamMemberForm
    title = _("Station a cadre")
    queryset = WorkTeam.objects.select_related("village")
    action = scope.CHANGE

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["team_id"], self.action)

    def get_context_data(self, **context):
        return {
            **super().get_context_data(**context),
            "subtitle": f"{self.object.dispatching_unit} → {self.object.village.name}",
        }

    def perform(self, form):
        d = dict(form.cleaned_data)
        d["member"] = member_or_error(self.request.user, d["member"], "member")
        return services.team_member_add(actor=self.request.user, team=self.object, **d)

    def get_success_url(self, result):
        return reverse("outreach:team_detail", args=[result.team_id])


class PovertyCreate(FormView):
    form_class = forms.PovertyForm
    title = _("Record poverty-alleviation figures")
    choices = {"village": lambda user: places(user, villages_only=True)}

    def perform(self, form):
        return services.poverty_record(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("outreach:poverty_list") + f"?org={result.village_id}"


def organisers(user):
    kinds = ("city", "county", "township")
    return (
        selectors.visible_orgs(user, scope.ADD)
        .filter(selectors.places_q() | selectors.Q(kind__in=kinds))
        .order_by("path")
    )


class CourseCreate(FormView):
    form_class = forms.CourseForm
    title = _("New training course")
    choices = {"org": organisers}

    def perform(self, form):
        return services.course_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("outreach:course_detail", args=[result.pk])


class AttendanceAdd(FormView):
    form_class = forms.AttendanceForm
    title = _("Record attendance")
    queryset = TrainingCourse.objects.select_related("org")
    action = scope.CHANGE

    def get_object(self):
        return get_visible_or_404(
            self.request, self.queryset, self.kwargs["course_id"], self.action
        )

    def get_context_data(self, **context):
        return {**super().get_context_data(**context), "subtitle": self.object.title}

    def perform(self, form):
        d = form.cleaned_data
        member = member_or_error(self.request.user, d["member"], "member")
        if member is None:
            raise ValidationError({"member": [_("This field is required.")]})
        return services.attendance_add(
            actor=self.request.user, course=self.object, member=member, completed=d["completed"]
        )

    def get_success_url(self, result):
        return reverse("outreach:course_detail", args=[result.course_id])


__all__ = ["render"]
