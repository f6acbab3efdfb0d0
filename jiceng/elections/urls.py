from django.urls import path

from . import views

app_name = "elections"

urlpatterns = [
    path("", views.renewal_list, name="renewal_list"),
    path("elections/", views.election_list, name="election_list"),
    path("elections/new/", views.ElectionCreateView.as_view(), name="election_create"),
    path("elections/<int:pk>/", views.election_detail, name="election_detail"),
    path("orgs/<int:org_id>/", views.org_committee, name="org_committee"),
    path(
        "orgs/<int:org_id>/village-committee/",
        views.VillageCommitteeView.as_view(),
        name="village_committee_edit",
    ),
    path("orgs/<int:org_id>/posts/", views.PostAssignView.as_view(), name="post_create"),
    path("posts/<int:post_id>/end/", views.PostEndView.as_view(), name="post_end"),
    path("two-committees/", views.two_committees, name="two_committees"),
    path("two-committees/list/", views.two_committee_list, name="two_committee_list"),
    path("two-committees/seats/", views.two_committee_seats, name="two_committee_seats"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/orgs/", views.campaign_orgs, name="campaign_orgs"),
    path("campaigns/<int:campaign_id>/export/", views.campaign_export, name="campaign_export"),
]
