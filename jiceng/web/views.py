"""Home: the user's scope at a glance."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.selectors import org_roots_for, subtree_summary


@login_required
def home(request):
    user = request.user
    if user.admin_role:  # the three administrators: their own pages (accounts.admin_views)
        return redirect("audit:event_list" if user.admin_role == "audit" else "accounts:user_list")
    if not user.is_superuser and not scope.grants(user):
        own = Member.objects.filter(user=user).values_list("pk", flat=True).first()
        if own is not None:
            return redirect("members:member_detail", pk=own)
    roots = [(org, subtree_summary(org)) for org in org_roots_for(user)]
    return render(request, "web/home.html", {"roots": roots, "nav": "home"})
