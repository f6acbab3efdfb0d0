"""Dues pages: thin, every object through get_visible_or_404, every write through services."""

from __future__ import annotations

import hashlib
import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiceng.audit.services import note_denied, record
from jiceng.core import findings as core_findings
from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import Organization
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.transfer.export_views import attachment
from jiceng.web.forms import add_service_errors
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import imports, reports, rules, selectors, services
from .forms import DecisionForm, ImportForm, ReductionForm, StandardForm
from .models import Payment, Reduction, ReductionStatus, Standard


def _month(request, key: str = "month") -> date:
    raw = request.GET.get(key, "")
    try:
        return date.fromisoformat(f"{raw}-01") if raw else rules.month_of(timezone.localdate())
    except ValueError:
        return rules.month_of(timezone.localdate())


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _org(request, pk, action=scope.VIEW) -> Organization:
    """The organisation, for a user whose role covers it: a plain member sees their own branch
    (Organization.scope_self) but not its members' dues, so that is a 404 as well."""
    org = get_visible_or_404(request, Organization.objects.all(), pk, action)
    if action not in permitted_actions(request.user, org.path):
        note_denied(request, obj=org, action=action, reason="not_visible")
        raise Http404(_("No such record within your scope"))
    return org


def _context(request, org, **extra) -> dict:
    return {
        "nav": "dues",
        "org": org,
        "ancestors": org_selectors.org_ancestors(request.user, org),
        "actions": permitted_actions(request.user, org.path),
        **extra,
    }


@login_required
def org_dues(request, org_id):
    """A branch's members with their paid-to month and arrears; above a branch, the subtree's
    totals per child organisation and the members at or near FEE-12."""
    org = _org(request, org_id)
    today = timezone.localdate()
    month = rules.month_of(today)
    if org.is_branch:
        rows = selectors.accounts(org.path, today, org_id=org.pk)
        children = []
    else:
        rows = selectors.accounts(org.path, today)
        children = org_selectors.org_children(request.user, org)
    year_start = date(today.year, 1, 1)
    per_child = []
    for child in children:
        part = [r for r in rows if r.org_path.startswith(child.path)]
        per_child.append((child, selectors.totals(part)))
    warnings = [
        f for f in core_findings.in_subtree(org.path, today, keys=["dues"]) if f.rule == "FEE-12"
    ]
    return render(
        request,
        "dues/org_dues.html",
        _context(
            request,
            org,
            rows=rows if org.is_branch else [],
            totals=selectors.totals(rows),
            collected=selectors.collected(
                org.path, year_start, reports.months_of_year(today.year)[-1].replace(day=28)
            ),
            per_child=per_child,
            warnings=warnings[:200],
            warning_count=len(warnings),
            month=month,
            year=today.year,
        ),
    )


@login_required
def collect(request, org_id):
    """The collection grid: the branch's members with their standard for a month; tick who
    paid (the standard by default, or enter another amount) and record them all at once."""
    org = _org(request, org_id, scope.ADD)
    if not org.is_branch:
        raise Http404(_("Dues are collected by a branch."))
    month = _month(request)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    ticked: set[str] = set()
    paid_on = ""
    if request.method == "POST":
        try:
            month = date.fromisoformat(f"{request.POST.get('month', '')}-01")
        except ValueError:
            errors["month"] = _("Give a month, e.g. 2026-11.")
        ticked = set(request.POST.getlist("paid"))
        posted = {
            k.removeprefix("amount_"): v for k, v in request.POST.items() if k.startswith("amount_")
        }
        paid_on = request.POST.get("paid_on", "")
        entries = {int(m): posted.get(m, "") for m in ticked if m.isdigit()}
        try:
            day = date.fromisoformat(paid_on) if paid_on else None
        except ValueError:
            errors["paid_on"] = _("Give a date, e.g. 2026-11-05.")
            day = None
        if not errors:
            try:
                done = services.payments_record(
                    actor=request.user, org=org, month=month, entries=entries, paid_on=day
                )
            except ValidationError as e:
                errors = {k: " ".join(v) for k, v in e.message_dict.items()}
            else:
                messages.success(
                    request,
                    _("%(n)s payments recorded for %(month)s.")
                    % {"n": len(done), "month": f"{month:%Y-%m}"},
                )
                return redirect(f"{reverse('dues:collect', args=[org.pk])}?month={month:%Y-%m}")
    sheet = reports.month_sheet(org, month)
    return render(
        request,
        "dues/collect.html",
        _context(
            request,
            org,
            month=month,
            rows=sheet,
            totals=reports.sheet_totals(sheet),
            errors=errors,
            member_errors={int(k): v for k, v in errors.items() if k.isdigit()},
            other_errors=[v for k, v in errors.items() if not k.isdigit()],
            posted=posted,
            ticked=ticked,
            paid_on=paid_on,
            today=timezone.localdate(),
        ),
        status=400 if errors else 200,
    )


@login_required
def import_payments(request, org_id):
    org = _org(request, org_id, scope.ADD)
    if not org.is_branch:
        raise Http404(_("Dues are collected by a branch."))
    form = ImportForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = imports.payments_import(
                actor=request.user, org=org, filename=upload.name, data=upload.read()
            )
        except imports.ImportRefused as e:
            refused = e
            if e.annotated and request.POST.get("annotated") == "1":
                response = HttpResponse(e.annotated, content_type=XLSX_CONTENT_TYPE)
                response["Content-Disposition"] = attachment(
                    "党费导入-错误说明.xlsx", "dues-errors.xlsx"
                )
                return response
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%(n)s payments imported.") % {"n": len(rows)})
            return redirect("dues:org", org_id=org.pk)
    return render(
        request,
        "dues/import.html",
        _context(request, org, form=form, refused=refused, layout=imports.LAYOUT),
        status=400 if refused or form.errors else 200,
    )


@login_required
def month_sheet(request, org_id):
    org = _org(request, org_id)
    month = _month(request)
    rows = reports.month_sheet(org, month)
    return render(
        request,
        "dues/month_sheet.html",
        _context(request, org, month=month, rows=rows, totals=reports.sheet_totals(rows)),
    )


@login_required
def year_summary(request, org_id):
    org = _org(request, org_id)
    year = _year(request)
    rows = reports.year_summary(org, year)
    return render(
        request,
        "dues/year_summary.html",
        _context(
            request,
            org,
            year=year,
            rows=rows,
            totals=reports.year_totals(rows),
            month_labels=[f"{m:02d}" for m in range(1, 13)],
        ),
    )


def _xlsx(request, org, name: str, title: str, headers, body, key: str):
    buffer = io.BytesIO()
    count = write_rows(buffer, title, headers, body, [14] + [10] * (len(headers) - 1))
    data = buffer.getvalue()
    record(
        "export",
        actor=request.user,
        request=request,
        obj=org,
        data={"list": key, "rows": count, "sha256": hashlib.sha256(data).hexdigest()},
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(f"{name}.xlsx", f"{key}.xlsx")
    return response


@never_cache
@login_required
def month_sheet_export(request, org_id):
    org = _org(request, org_id)
    month = _month(request)
    headers, body = reports.month_sheet_table(org, month)
    name = f"{org.short_name or org.name}-党费收缴表-{month:%Y-%m}"
    return _xlsx(request, org, name, f"{month:%Y-%m}", headers, body, f"dues-{month:%Y-%m}")


@never_cache
@login_required
def year_summary_export(request, org_id):
    org = _org(request, org_id)
    year = _year(request)
    headers, body = reports.year_table(org, year)
    name = f"{org.short_name or org.name}-党费年度汇总-{year}"
    return _xlsx(request, org, name, str(year), headers, body, f"dues-{year}")


@login_required
def member_dues(request, member_id):
    """A member's standard, its history, hardship reductions and payments; a member sees
    their own (scope_self)."""
    member = get_visible_or_404(request, Member.objects.select_related("org"), member_id)
    today = timezone.localdate()
    account = next(
        iter(selectors.accounts(member.org.path, today, org_id=member.org_id, member_id=member.pk)),
        None,
    )
    actions = permitted_actions(request.user, member.org.path)
    return render(
        request,
        "dues/member_dues.html",
        {
            "nav": "members",
            "member": member,
            "account": account,
            "standards": Standard.objects.filter(member=member).order_by("-effective_from", "-id"),
            "reductions": Reduction.objects.filter(member=member).order_by("-from_month", "-id"),
            "payments": Payment.objects.filter(member=member).order_by("-month")[:60],
            "actions": actions,
            "pending": ReductionStatus.PENDING,
            "decision_form": DecisionForm(),
        },
    )


@login_required
def home(request):
    """The dues of the highest organisation the user holds a role over; a plain member's own
    dues; otherwise a page saying there is nothing to show."""
    if scope.grants(request.user):
        roots = org_selectors.org_roots_for(request.user)
        if roots:
            return redirect("dues:org", org_id=min(roots, key=lambda o: o.path).pk)
    member = Member.objects.filter(user=request.user).first()
    if member is not None:
        return redirect("dues:member", member_id=member.pk)
    return render(request, "dues/nothing.html", {"nav": "dues"})


@login_required
def my_dues(request):
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404(_("Your account is not linked to a member record."))
    return redirect("dues:member", member_id=member.pk)


def _member_form(request, pk, form_class, perform, title: str, template="dues/member_form.html"):
    member = get_visible_or_404(request, Member.objects.select_related("org"), pk, scope.CHANGE)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(member, form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e, {"member": "__all__"})
        else:
            messages.success(request, _("Saved."))
            return redirect("dues:member", member_id=member.pk)
    return render(
        request,
        template,
        {"nav": "members", "member": member, "form": form, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
def standard_set(request, member_id):
    def perform(member, data):
        services.standard_set(
            actor=request.user,
            member=member,
            category=data["category"],
            effective_from=data["effective_from"],
            income_base=data["income_base"],
            amount=data["amount"],
            note=data["note"],
        )

    return _member_form(request, member_id, StandardForm, perform, _("Set the dues standard"))


@login_required
def reduction_apply(request, member_id):
    def perform(member, data):
        services.reduction_apply(
            actor=request.user,
            member=member,
            from_month=data["from_month"],
            to_month=data["to_month"],
            amount=data["amount"],
            reason=data["reason"],
        )

    return _member_form(
        request, member_id, ReductionForm, perform, _("Apply for a hardship reduction")
    )


@require_POST
@login_required
def reduction_decide(request, reduction_id):
    reduction = get_visible_or_404(
        request, Reduction.objects.select_related("member"), reduction_id, scope.CHANGE
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            services.reduction_decide(
                actor=request.user,
                reduction=reduction,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, _("Decision recorded."))
    return redirect("dues:member", member_id=reduction.member_id)
