"""Home: the cockpit of the user's scope (reports.cockpit_views)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.selectors import org_roots_for
from jiceng.reports.cockpit_views import cockpit


@login_required
def home(request):
    user = request.user
    if user.admin_role:  # the three administrators: their own pages (accounts.admin_views)
        return redirect("audit:event_list" if user.admin_role == "audit" else "accounts:user_list")
    if not user.is_superuser and not scope.grants(user):
        own = Member.objects.filter(user=user).values_list("pk", flat=True).first()
        if own is not None:
            return redirect("members:member_detail", pk=own)
    # The cockpit (reports.cockpit_views) of the user's top organisations.
    return cockpit(request, org_roots_for(user))
