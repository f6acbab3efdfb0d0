from django.contrib import admin
from django.urls import include, path

from jiceng.accounts.views_auth import admin_login
from jiceng.api.api import api

urlpatterns = [
    path("", include("jiceng.web.urls")),
    path("accounts/", include("jiceng.accounts.urls")),
    path("orgs/", include("jiceng.orgs.urls")),
    path("members/", include("jiceng.members.urls")),
    path("transfer/", include("jiceng.transfer.urls")),
    path("recruitment/", include("jiceng.recruitment.urls")),
    path("audit/", include("jiceng.audit.urls")),
    path("activities/", include("jiceng.activities.urls")),
    path("dues/", include("jiceng.dues.urls")),
    path("accountability/", include("jiceng.accountability.urls")),
    path("elections/", include("jiceng.elections.urls")),
    path("outreach/", include("jiceng.outreach.urls")),
    path("reports/", include("jiceng.reports.urls")),
    path("api/", api.urls),
    path("admin/login/", admin_login),  # the platform's login: lockout, second factor
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
