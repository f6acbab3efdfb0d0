"""The warnings page (预警): every app's findings (core.findings) for an organisation's subtree,
with each child's red / amber / green state, filtered by provider, level and rule."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from jiceng.core import findings
from jiceng.orgs.selectors import org_children, org_roots_for

from .generic import page_size


@login_required
def findings_list(request):
    user = request.user
    org_id = request.GET.get("org", "")
    if org_id.isdigit():
        org = findings.visible_org(user, int(org_id))  # 404 outside the user's scope
    else:
        roots = org_roots_for(user) if not user.admin_role else []
        org = roots[0] if roots else None
    context = {"nav": "findings", "org": org, "providers": findings.providers()}
    if org is None:
        return render(request, "web/findings.html", context)
    provider = request.GET.get("provider", "")
    keys = [provider] if provider in dict(findings.providers()) else None
    every = findings.in_subtree(org.path, keys=keys)
    children = list(org_children(user, org))
    per_child = findings.by_child(every, children)
    level = request.GET.get("level", "")
    rule = request.GET.get("rule", "").strip().upper()
    shown = [
        f
        for f in every
        if (not level or f.level == level) and (not rule or f.rule.startswith(rule))
    ]
    paginator = Paginator(shown, page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    context.update(
        provider=provider if keys else "",
        level=level,
        rule=rule,
        rag=findings.rag(every),
        counts={lv: sum(1 for f in every if f.level == lv) for lv in findings.Level},
        children=[(c, per_child[c.pk], findings.child_rag(per_child[c.pk])) for c in children],
        page=page,
        total=paginator.count,
        page_sizes=settings.PAGE_SIZES,
        per_page=paginator.per_page,
        levels=[(lv.value, findings.LEVEL_LABELS[lv]) for lv in findings.Level],
    )
    return render(request, "web/findings.html", context)
