"""Reports routes in the authorisation sweep (jiceng/web/tests/sweeping.py).

Snapshots belong to the organisation they were taken for: seen by whoever holds a role over
it (a county admin its own subtree's, the city admin and viewer all), by no plain member
(Snapshot has no scope_self) and by no administrator account. Data quality and the findings by
rule default to the caller's own scope; with nothing in scope the pages say so and their
exports are 404."""

from jiceng.web.tests.sweeping import (
    A_ONLY,
    ADMINS,
    ANON,
    DENIED,
    EVERYWHERE,
    HIDDEN,
    NA,
    NOT_ANYWHERE,
    OK,
    OTHER,
    OWN,
    Rule,
    any_logged_in,
    by_county,
)

SNAPSHOT_READ = Rule(
    default=NOT_ANYWHERE,
    get={
        **ANON,
        "city_admin": EVERYWHERE,
        "viewer": EVERYWHERE,
        "county_admin": A_ONLY,
        "secretary": A_ONLY,
    },
)
NO_SCOPE_HIDDEN = Rule(default=OK, get={**ANON, **dict.fromkeys(("outsider", *ADMINS), HIDDEN)})
TAKERS = ("city_admin", "county_admin", "secretary")

EXPECT = {
    # GET: the list (scoped) and the form; POST refused to whoever may add nowhere.
    "reports:statistics": Rule(
        default=OK,
        get=ANON,
        write=True,
        post={
            **ANON,
            **dict.fromkeys(("viewer", "member_user", "outsider", *ADMINS), DENIED),
            **dict.fromkeys(TAKERS, OK),
        },
    ),
    "reports:snapshot_detail": SNAPSHOT_READ,
    "reports:snapshot_table": SNAPSHOT_READ,
    "reports:snapshot_table_export": SNAPSHOT_READ,
    "reports:snapshot_export": SNAPSHOT_READ,
    "reports:snapshot_rerun": Rule(
        default=NA,
        get=ANON,
        write=True,
        post={
            **ANON,
            "city_admin": EVERYWHERE,
            "county_admin": A_ONLY,
            "secretary": A_ONLY,
            "viewer": by_county(DENIED, DENIED),
            **dict.fromkeys(("member_user", "outsider", *ADMINS), NOT_ANYWHERE),
        },
    ),
    "reports:quality": any_logged_in(),
    "reports:quality_export": NO_SCOPE_HIDDEN,
    "reports:findings": any_logged_in(),
    "reports:findings_export": NO_SCOPE_HIDDEN,
    "api:snapshot_list": any_logged_in(),
    "api:snapshot_detail": SNAPSHOT_READ,
    "api:snapshot_table": SNAPSHOT_READ,
    "api:data_quality": NO_SCOPE_HIDDEN,
    # The campaign report: the page (form, live report) for anyone logged in; generating
    # (POST) refused to who holds no role anywhere. Kept reports as the snapshots.
    "reports:campaign": Rule(
        default=OK,
        get=ANON,
        write=True,
        post={**ANON, **dict.fromkeys(("member_user", "outsider", *ADMINS), DENIED)},
    ),
    "reports:campaign_detail": SNAPSHOT_READ,
    "reports:campaign_pdf": SNAPSHOT_READ,
    "reports:campaign_xlsx": SNAPSHOT_READ,
}


def objects(city) -> dict:
    from jiceng.reports.services import snapshot_start_system

    own = snapshot_start_system(org=city.branch_a1, year=2025)
    other = snapshot_start_system(org=city.branch_b1, year=2025)
    own_report, other_report = (_campaign_report(org) for org in (city.branch_a1, city.branch_b1))
    return {
        OWN: {"pk": own.pk, "snapshot_id": own.pk, "table": "sex", "report_id": own_report},
        OTHER: {
            "pk": other.pk,
            "snapshot_id": other.pk,
            "table": "sex",
            "report_id": other_report,
        },
    }


def _campaign_report(org) -> int:
    """A kept campaign report of `org` (its files stand-ins: the sweep checks access only)."""
    from datetime import date

    from jiceng.reports.campaign.models import CampaignReport, CampaignStatus

    return CampaignReport.objects.create(
        org=org,
        org_name=org.name,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        language="zh-hans",
        status=CampaignStatus.DONE,
        pdf=b"%PDF-1.7 sweep",
        xlsx=b"PK sweep",
    ).pk
