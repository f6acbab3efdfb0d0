"""The 两委 figures, a renewal campaign's progress and the renewal warnings of the whole city
(jiceng.elections), beside the naive way of computing the same figures, in the same run on the
same data.

    JICENG_BENCH_DATA=/path/to/data .venv/bin/python bench/elections_two_committees.py [--repeat 10]

Uses the benchmark database (bench/tmp, or JICENG_BENCH_DATA: a full demo city built with the
elections extension). Times, for the city:

- platform: `elections.selectors.two_committees` (four grouped queries split by child),
  `campaign_progress` (one grouped query) and the "renewals" findings provider (one query);
- naive: per village and community, its secretary, chair, posts and seats read one by one
  (the way a template loop over the villages would), per organisation a renewal check.

Both must give the same figures (checked); prints and saves one JSON line with medians and the
ratios (bench/results/elections_two_committees.json).
"""

import argparse
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "bench"))  # after the standard library (bench/statistics.py)

from common import save, setup_django, timed  # noqa: E402


def naive_two_committees(city):
    from jiceng.core.fields import prefix_range
    from jiceng.elections.models import CommitteePost, VillageCommitteeSeat
    from jiceng.elections.selectors import unit_orgs

    units = one = posts_n = seats_n = cross = 0
    for org in unit_orgs(prefix_range("path", city.path)):
        units += 1
        posts = list(CommitteePost.objects.filter(org=org, ended_on__isnull=True))
        seats = list(VillageCommitteeSeat.objects.filter(org=org, ended_on__isnull=True))
        holders = {p.member_id for p in posts}
        chair = next((s for s in seats if s.role == "chair"), None)
        if chair is not None and chair.member_id and chair.member_id == org.secretary_id:
            one += 1
        posts_n += len(posts)
        seats_n += len(seats)
        cross += sum(1 for s in seats if s.member_id in holders)
    return units, one, posts_n + seats_n - cross, cross


def naive_progress(campaign, city):
    from jiceng.core.fields import prefix_range
    from jiceng.elections.models import Election
    from jiceng.elections.selectors import unit_orgs

    done = 0
    for org in unit_orgs(prefix_range("path", city.path), campaign.unit_types):
        done += Election.objects.filter(
            org=org, held_on__gte=campaign.starts_on, held_on__lte=campaign.ends_on
        ).exists()
    return done


def naive_renewals(city, as_of):
    from jiceng.core.fields import prefix_range
    from jiceng.elections.rules import renewal_level
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import default_term_years, renewal_due

    out = 0
    for org in Organization.objects.filter(**prefix_range("path", city.path), status="active"):
        due = renewal_due(
            org.term_started_on, org.term_years or default_term_years(org.kind, org.unit_type)
        )
        out += renewal_level(due, as_of, 3) is not None
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    setup_django()
    from jiceng.core import findings
    from jiceng.elections import selectors
    from jiceng.elections.models import RenewalCampaign
    from jiceng.orgs.models import Organization

    city = Organization.objects.get(parent__isnull=True)
    campaign = RenewalCampaign.objects.order_by("-ends_on").first()
    as_of = date.today()

    total, _ = selectors.two_committees(city)
    assert naive_two_committees(city) == (
        total.units,
        total.one_shoulder,
        total.people,
        total.cross,
    )
    progress, _ = selectors.campaign_progress(campaign, city)
    assert naive_progress(campaign, city) == progress.total_completed
    warnings = findings.in_subtree(city.path, as_of, keys=["renewals"])
    assert naive_renewals(city, as_of) == len(warnings)

    r = args.repeat
    result = {
        "units": total.units,
        "one_shoulder_ratio": total.one_shoulder_ratio,
        "cross_rate": total.cross_rate,
        "completed": dict(progress.completed),
        "renewal_warnings": len(warnings),
        "two_committees": timed(lambda: selectors.two_committees(city), repeat=r),
        "two_committees_naive": timed(lambda: naive_two_committees(city), repeat=max(2, r // 5)),
        "progress": timed(lambda: selectors.campaign_progress(campaign, city), repeat=r),
        "progress_naive": timed(lambda: naive_progress(campaign, city), repeat=max(2, r // 5)),
        "renewals": timed(
            lambda: findings.in_subtree(city.path, as_of, keys=["renewals"]), repeat=r
        ),
        "renewals_naive": timed(lambda: naive_renewals(city, as_of), repeat=max(2, r // 5)),
    }
    for key in ("two_committees", "progress", "renewals"):
        result[f"{key}_ratio"] = round(
            result[f"{key}_naive"]["median_ms"] / result[key]["median_ms"], 1
        )
    save("elections_two_committees", result)


if __name__ == "__main__":
    main()
