"""Web pages of organisational life: thin callers of activities.selectors and .services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.core import findings, scope
from jiceng.core.fields import prefix_range
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.selectors import org_ancestors, org_children, org_roots_for
from jiceng.web.generic import ObjectDetailView, ObjectListView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import exports, files, rules, selectors, services
from .filters import MeetingFilterSet
from .forms import LostContactForm, MeetingForm, PlanItemForm, TrainingForm
from .models import Attachment, Grade, Kind, Meeting, PlanItem, Presence

NOT_LISTED = "-"


class MeetingListView(ObjectListView):
    filterset_class = MeetingFilterSet
    template_name = "activities/meeting_list.html"
    fragment_template = "activities/_meeting_table.html"

    def get_queryset(self):
        return selectors.meetings_visible_to(self.request.user)

    def get_context_data(self, **context):
        return {**context, "nav": "activities"}


class MeetingDetailView(ObjectDetailView):
    queryset = Meeting.objects.select_related("org", "host", "recorder")
    template_name = "activities/meeting_detail.html"
    context_object_name = "meeting"

    def get_context_data(self, **context):
        meeting, user = self.object, self.request.user
        return {
            **context,
            "nav": "activities",
            "ancestors": org_ancestors(user, meeting.org) + [meeting.org],
            "attendance": list(selectors.attendance_of(user, meeting)),
            "attachments": list(meeting.attachments.all()),
            "grades": list(meeting.grades.select_related("member").order_by("member__name")),
            "actions": permitted_actions(user, meeting.org.path),
        }


def _org_param(request, action: str = scope.ADD) -> Organization | None:
    pk = request.POST.get("org") or request.GET.get("org") or ""
    if not str(pk).isdigit():
        return None
    return get_visible_or_404(request, Organization.objects.all(), pk, action)


def _default_roster(org, kind: str, roster) -> set[int]:
    """Who is listed by default: the whole branch, or those at the last meeting of the kind."""
    if kind in rules.WHOLE_BRANCH_KINDS:
        return {m.pk for m in roster}
    last = Meeting.objects.filter(org=org, kind=kind).order_by("-held_on", "-id").first()
    if last is None:
        return set()
    return set(last.attendance.values_list("member_id", flat=True))


def _attendance_from_post(post, roster, default: set[int]):
    """Listed members and the exceptions; a member the form did not send takes the default
    (present for a meeting of the whole branch)."""
    listed, leave, absent, rows = [], {}, {}, {}
    for m in roster:
        value = post.get(f"p_{m.pk}", Presence.PRESENT if m.pk in default else NOT_LISTED)
        reason = post.get(f"r_{m.pk}", "").strip()
        rows[m.pk] = (value, reason)
        if value == NOT_LISTED:
            continue
        listed.append(m.pk)
        if value == Presence.LEAVE:
            leave[m.pk] = reason
        elif value == Presence.ABSENT:
            absent[m.pk] = reason
    for key in post:  # rows naming someone who is not on this branch's rolls
        named = key.startswith("p_") and key[2:].isdigit() and int(key[2:]) not in rows
        if named and post[key] != NOT_LISTED:
            listed.append(int(key[2:]))
    return listed, leave, absent, rows


@login_required
def meeting_create(request):
    """Record a meeting: its header, attendance by exception, attachments."""
    org = _org_param(request)
    if org is None:
        return render(
            request,
            "activities/meeting_pick_org.html",
            {"nav": "activities", "branches": _branch_choices(request.user)},
        )
    roster = selectors.roster_of(org)
    kind = request.POST.get("kind") or request.GET.get("kind") or Kind.PARTY_DAY
    if kind not in Kind.values:
        kind = Kind.PARTY_DAY
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = MeetingForm(request.POST, request.FILES, roster=roster)
        default = _default_roster(org, request.POST.get("kind", ""), roster)
        listed, leave, absent, rows = _attendance_from_post(request.POST, roster, default)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_record(
                    actor=request.user,
                    org=org,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    topic=data["topic"],
                    place=data["place"],
                    host=data["host"],
                    recorder=data["recorder"],
                    minutes=data["minutes"],
                    resolutions=data["resolutions"],
                    has_vote=data["has_vote"],
                    roster=listed,
                    on_leave=leave,
                    absent=absent,
                    attachments=[(f.name, f.read()) for f in data["attachments"]],
                )
            except ValidationError as exc:
                errors = exc.message_dict
                for field, messages_ in errors.items():
                    if field in form.fields:
                        for m in messages_:
                            form.add_error(field, m)
            else:
                messages.success(request, _("The meeting has been recorded."))
                return redirect(meeting.get_absolute_url())
    else:
        form = MeetingForm(initial={"kind": kind, "held_on": timezone.localdate()}, roster=roster)
        default = _default_roster(org, kind, roster)
        rows = {m.pk: (Presence.PRESENT if m.pk in default else NOT_LISTED, "") for m in roster}
    return render(
        request,
        "activities/meeting_form.html",
        {
            "nav": "activities",
            "org": org,
            "ancestors": org_ancestors(request.user, org) + [org],
            "form": form,
            "kind": kind,
            "rows": [(m, *rows.get(m.pk, (NOT_LISTED, ""))) for m in roster],
            "presence_choices": [(NOT_LISTED, _("not a participant")), *Presence.choices],
            "attendance_errors": errors.get("attendance", []),
            "other_errors": [
                m
                for f, ms in errors.items()
                if f not in form.fields and f != "attendance"
                for m in ms
            ],
        },
    )


def _branch_choices(user):
    from jiceng.orgs.selectors import branch_choices

    return list(branch_choices(user).order_by("path")[:200])


@login_required
def meeting_grades(request, pk: int):
    """Grades of a democratic appraisal (LIFE-07: 优秀 ≤ 1/3)."""
    meeting = get_visible_or_404(request, Meeting.objects.select_related("org"), pk, scope.CHANGE)
    if meeting.kind != Kind.APPRAISAL:
        raise Http404(_("Only a democratic appraisal has grades"))
    roster = selectors.roster_of(meeting.org)
    current = dict(meeting.grades.values_list("member_id", "grade"))
    error = ""
    if request.method == "POST":
        grades = {m.pk: request.POST.get(f"g_{m.pk}", "") for m in roster}
        try:
            services.meeting_grades(actor=request.user, meeting=meeting, grades=grades)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            current = grades
        else:
            messages.success(request, _("The grades have been recorded."))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "activities/meeting_grades.html",
        {
            "nav": "activities",
            "meeting": meeting,
            "ancestors": org_ancestors(request.user, meeting.org) + [meeting.org],
            "rows": [(m, current.get(m.pk, "")) for m in roster],
            "grade_choices": Grade.choices,
            "error": error,
        },
    )


@login_required
def attachment_download(request, attachment_id: int):
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    meeting_pk = attachment.meeting_id if attachment else 0
    get_visible_or_404(request, Meeting.objects.all(), meeting_pk)
    try:
        data = files.read(attachment.sha256)
    except FileNotFoundError:
        raise Http404(_("The file is missing")) from None
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- compliance ------------------------------------------------------------------------------


def _as_of(request) -> date:
    raw = request.GET.get("as_of", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def org_compliance(request, org_id: int):
    """The org page's card (an HTMX fragment): red / amber / green per child and the org's own
    findings."""
    org = _granted_org(request, org_id)
    every = selectors.compliance_for(request.user, org)
    children = list(org_children(request.user, org))
    per_child = findings.by_child(every, children)
    own = [f for f in every if f.org_id == org.pk]
    return render(
        request,
        "activities/_org_compliance.html",
        {
            "org": org,
            "rag": findings.rag(every),
            "counts": _counts(every),
            "children": [
                (c, per_child[c.pk], findings.child_rag(per_child[c.pk])) for c in children
            ],
            "own": own[:30],
            "own_total": len(own),
            "actions": permitted_actions(request.user, org.path),
        },
    )


def _counts(every) -> dict:
    return {lv.value: sum(1 for f in every if f.level == lv) for lv in findings.Level}


def _granted_org(request, org_id) -> Organization:
    """An organisation whose whole subtree the user sees through a role (404 outside the
    scope; 403 for a member, who sees only their own branch and record)."""
    org = get_visible_or_404(request, Organization.objects.all(), org_id)
    if scope.VIEW not in permitted_actions(request.user, org.path):
        raise PermissionDenied(_("You may not see the records of this organisation"))
    return org


def _compliance_org(request):
    org_id = request.GET.get("org", "")
    if org_id.isdigit():
        return _granted_org(request, int(org_id))
    for root in org_roots_for(request.user) if not request.user.admin_role else []:
        if scope.VIEW in permitted_actions(request.user, root.path):
            return root
    return None


def _names(org_ids) -> dict[int, tuple[str, str]]:
    rows = Organization.objects.filter(pk__in=set(org_ids)).values_list(
        "pk", "name", "parent__name"
    )
    return {pk: (name, parent or "") for pk, name, parent in rows}


@login_required
def compliance(request):
    """City-wide (or any subtree) compliance: which organisations miss which meetings."""
    org = _compliance_org(request)
    rule = request.GET.get("rule", "").strip().upper()
    level = request.GET.get("level", "")
    context = {"nav": "activities", "org": org, "rule": rule, "level": level}
    if org is None:
        return render(request, "activities/compliance.html", context)
    as_of = _as_of(request)
    every = selectors.compliance_for(request.user, org, as_of)
    shown = [
        f
        for f in every
        if (not rule or f.rule.startswith(rule)) and (not level or f.level == level)
    ]
    from django.core.paginator import Paginator

    from jiceng.web.generic import page_size

    page = Paginator(shown, page_size(request)).get_page(request.GET.get("page"))
    names = _names(f.org_id for f in page.object_list)
    by_rule: dict[str, dict[str, int]] = {}
    for f in every:
        by_rule.setdefault(f.rule, {"overdue": 0, "due_soon": 0, "exception": 0})[f.level] += 1
    context.update(
        as_of=as_of,
        rag=findings.rag(every),
        counts=_counts(every),
        by_rule=sorted(by_rule.items()),
        page=page,
        total=len(shown),
        rows=[(f, *names.get(f.org_id, ("", ""))) for f in page.object_list],
        levels=[(lv.value, findings.LEVEL_LABELS[lv]) for lv in findings.Level],
        ancestors=org_ancestors(request.user, org) + [org],
    )
    return render(request, "activities/compliance.html", context)


@login_required
def compliance_export(request):
    org = _compliance_org(request)
    if org is None:
        return redirect("activities:compliance")
    rule = request.GET.get("rule", "").strip().upper()
    level = request.GET.get("level", "")
    every = selectors.compliance_for(request.user, org, _as_of(request), rule=rule, level=level)
    return exports.findings_response(request, org, every, rule=rule, level=level)


# --- lost contact ----------------------------------------------------------------------------


@login_required
def lost_contact_list(request):
    org = _compliance_org(request)
    context = {"nav": "activities", "org": org}
    if org is not None:
        every = selectors.compliance_for(request.user, org)
        context["flagged"] = [f for f in every if f.rule in ("LOST-01", "ST-03")]
        context["marked"] = list(
            Member.objects.restrict(request.user)
            .filter(**prefix_range("org__path", org.path), is_lost_contact=True, leave_status="")
            .select_related("org")
            .order_by("lost_contact_since", "pk")[:200]
        )
    return render(request, "activities/lost_contact_list.html", context)


@login_required
def lost_contact_record(request, member_id: int):
    member = get_visible_or_404(
        request, Member.objects.select_related("org"), member_id, scope.CHANGE
    )
    last_seen = selectors.last_seen_of(member)
    form = LostContactForm(
        request.POST or None, initial={"searched_on": timezone.localdate(), "reason": "other"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lost_contact_search(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            from jiceng.web.forms import add_service_errors

            add_service_errors(form, exc)
        else:
            messages.success(request, _("The search has been recorded."))
            return redirect(reverse("activities:lost_contact_record", args=[member.pk]))
    return render(
        request,
        "activities/lost_contact_form.html",
        {
            "nav": "activities",
            "member": member,
            "form": form,
            "last_seen": last_seen,
            "searches": list(member.lost_searches.all()[:20]),
            "ancestors": org_ancestors(request.user, member.org) + [member.org],
        },
    )


# --- the yearly plan ------------------------------------------------------------------------


def _year(request) -> int:
    raw = request.GET.get("year", "") or request.POST.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@login_required
def plan(request, org_id: int):
    org = _granted_org(request, org_id)
    year = _year(request)
    return render(
        request,
        "activities/plan.html",
        {
            "nav": "activities",
            "org": org,
            "year": year,
            "items": selectors.plan_of(request.user, org, year),
            "actions": permitted_actions(request.user, org.path),
            "ancestors": org_ancestors(request.user, org) + [org],
        },
    )


@login_required
@require_POST
def plan_generate(request, org_id: int):
    org = get_visible_or_404(request, Organization.objects.all(), org_id, scope.ADD)
    year = _year(request)
    try:
        services.plan_generate(actor=request.user, org=org, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The plan has been generated."))
    return redirect(f"{reverse('activities:plan', args=[org.pk])}?year={year}")


@login_required
def plan_item_edit(request, item_id: int):
    item = get_visible_or_404(
        request, PlanItem.objects.select_related("org"), item_id, scope.CHANGE
    )
    form = PlanItemForm(
        request.POST or None, initial={"planned_on": item.planned_on, "topic": item.topic}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            from jiceng.web.forms import add_service_errors

            add_service_errors(form, exc)
        else:
            return redirect(f"{reverse('activities:plan', args=[item.org_id])}?year={item.year}")
    return render(
        request,
        "activities/plan_item_form.html",
        {"nav": "activities", "item": item, "form": form},
    )


# --- training (LIFE-10) ----------------------------------------------------------------------


@login_required
def training(request, org_id: int):
    org = _granted_org(request, org_id)
    year = _year(request)
    roster = selectors.roster_of(org) if org.is_branch else []
    actions = permitted_actions(request.user, org.path)
    form = None
    if org.is_branch and "add" in actions:
        form = TrainingForm(request.POST or None, roster=roster, initial={"hours": 4})
        if request.method == "POST" and form.is_valid():
            try:
                services.training_record(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                from jiceng.web.forms import add_service_errors

                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training has been recorded."))
                return redirect(f"{reverse('activities:training', args=[org.pk])}?year={year}")
    elif request.method == "POST":
        raise PermissionDenied(_("You may not do this here"))
    return render(
        request,
        "activities/training.html",
        {
            "nav": "activities",
            "org": org,
            "year": year,
            "rows": selectors.training_hours(request.user, org, year),
            "form": form,
            "ancestors": org_ancestors(request.user, org) + [org],
        },
    )
