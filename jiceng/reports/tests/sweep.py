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
}


def objects(city) -> dict:
    from jiceng.reports.services import snapshot_start_system

    own = snapshot_start_system(org=city.branch_a1, year=2025)
    other = snapshot_start_system(org=city.branch_b1, year=2025)
    return {
        OWN: {"pk": own.pk, "snapshot_id": own.pk, "table": "sex"},
        OTHER: {"pk": other.pk, "snapshot_id": other.pk, "table": "sex"},
    }
