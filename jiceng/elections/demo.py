"""The demo city's renewals (jiceng.demo.extensions): the source document's campaign, in which
1,450 villages and 305 communities renewed their 两委, with realistic 一肩挑 and 交叉任职
figures, and some organisations overdue for renewal.

Deterministic for a seed, scale and date; set-based: a few reads, then every row written with
`core.bulk.Inserter` (ids assigned here so candidates and posts can name their election).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from jiceng.core.bulk import Inserter
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.demo.city import _person_name
from jiceng.members.models import Member
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, UnitType
from jiceng.orgs.rules import default_term_years

from .models import (
    Candidate,
    CommitteePost,
    Election,
    Post,
    RenewalCampaign,
    VillageCommitteeSeat,
    VillageRole,
)
from .rules import min_candidates
from .selectors import VILLAGE_TYPES, unit_orgs

# The source document's figures (seed/README.md) and the demo city's (demo/city.py).
COMPLETED = {UnitType.VILLAGE.value: 1_450, UnitType.COMMUNITY.value: 305}
IN_CITY = {UnitType.VILLAGE.value: 1_629, UnitType.COMMUNITY.value: 305}
ONE_SHOULDER = 0.6  # beyond the secretaries whose job already says they chair the committee
OVERDUE_SHARE = 0.015  # other grassroots organisations whose renewal is late
CROSS_SHARE = 0.7  # a committee seat held by someone on the Party committee


def estimate(ctx) -> int:
    return 4


def _campaign_window(as_of: date) -> tuple[date, date]:
    """The campaign ended about five months before the demo's date, after four months."""
    ends = as_of - timedelta(days=158)
    return add_months(ends, -4), ends


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _now():
    from django.utils import timezone

    return connection.ops.adapt_datetimefield_value(timezone.now())


def _members_by_unit(units: dict[str, int]) -> dict[int, list[tuple[int, str, str]]]:
    """(id, name, job) of the full members in normal standing of each unit's subtree."""
    out: dict[int, list] = {pk: [] for pk in units.values()}
    rows = (
        Member.objects.filter(
            org__unit_type__in=VILLAGE_TYPES,
            leave_status="",
            membership="full",
            standing="normal",
        )
        .order_by("id")
        .values_list("id", "name", "job", "org__path")
    )
    for pk, name, job, path in rows.iterator(10_000):
        for end in range(16, len(path) + 1, 4):
            unit = units.get(path[:end])
            if unit is not None:
                out[unit].append((pk, name, job))
                break
    return out


def build(ctx, phase) -> dict:
    rng = random.Random(f"elections-{ctx.seed}")
    as_of = ctx.as_of
    starts, ends = _campaign_window(as_of)
    now = _now()
    city = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    if city is None:
        return {}
    units = list(
        unit_orgs(prefix_range("path", city.path))
        .order_by("path")
        .values_list(
            "id",
            "path",
            "unit_type",
            "secretary_id",
            "term_started_on",
            "founded_on",
            "parent__founded_on",
        )
    )
    members = _members_by_unit({path: pk for pk, path, *_ in units})
    refounded: dict[int, date] = {}
    phase.update(1)

    # Which units renewed in the campaign: the source's figures, scaled to the city built.
    by_type: dict[str, list] = {t: [] for t in VILLAGE_TYPES}
    for row in units:
        by_type[row[2]].append(row)
    renewed: set[int] = set()
    for unit_type, rows in by_type.items():
        share = COMPLETED[unit_type] / IN_CITY[unit_type]
        k = round(len(rows) * share)
        # a unit with no full member cannot elect, nor one founded after the campaign …
        able = [r for r in rows if members[r[0]] and (r[5] is None or r[5] <= ends)]
        renewed.update(r[0] for r in rng.sample(able, min(k, len(able))))
        # … unless it is given an earlier founding date (the planner founds a few lately)
        early = starts - timedelta(days=365)
        for r in rows:
            if len(able) >= k:
                break
            if r[0] not in renewed and members[r[0]] and (r[6] is None or r[6] <= early):
                refounded[r[0]] = early
                renewed.add(r[0])
                k -= 1

    election_id = _next_id(Election)
    elections, candidates, posts, seats, terms, late, leads = [], [], [], [], [], [], []
    span = (ends - starts).days
    for pk, _path, unit_type, secretary_id, term_started, founded, _parent_founded in units:
        founded = refounded.get(pk, founded)
        pool = members[pk]
        if not pool:
            continue
        by_id = {m[0]: m for m in pool}
        lead = by_id.get(secretary_id) or pool[0]
        others = [m for m in pool if m[0] != lead[0]]
        rng.shuffle(others)
        n_committee = 1 if len(pool) < 7 else min(5, 3 + len(pool) // 40)
        committee = [lead, *others[: n_committee - 1]]
        if pk in renewed:
            held = starts + timedelta(days=rng.randrange(span + 1))
            if founded and held < founded:
                held = founded
            n_candidates = len(committee)
            if n_committee >= 3:
                n_candidates = min(len(pool), min_candidates(n_committee, 20) + rng.randrange(2))
            running = (
                committee
                + others[n_committee - 1 : n_committee - 1 + n_candidates - len(committee)]
            )
            entitled = len(pool)
            present = max(entitled * 4 // 5 + 1, entitled - rng.randrange(max(1, entitled // 10)))
            present = min(present, entitled)
            returned = present - (1 if present > 3 and rng.random() < 0.2 else 0)
            elections.append(
                (
                    election_id,
                    pk,
                    held,
                    entitled,
                    present,
                    present,
                    returned,
                    n_committee,
                    5,
                    "",
                    None,
                    "440800",
                    now,
                    now,
                )
            )
            low = present // 2 + 1  # ELEC-05: more than half of those present
            won = [rng.randint(low, returned) for _ in committee]
            budget = returned * n_committee - sum(won)  # ELEC-06: seats names per ballot
            lost = []
            for _ in running[len(committee) :]:
                lost.append(rng.randint(0, max(0, min(low - 1, budget))))
                budget -= lost[-1]
            for (mid, _name, _job), votes in zip(running, won + lost, strict=True):
                candidates.append((election_id, mid, votes, votes >= low))
            source, started = election_id, held
            terms.append((held, 5, lead[0], pk))
            election_id += 1
        elif rng.random() < 0.7:  # most of the others are late (ORG-06)
            source, started = None, add_months(starts, -60 - rng.randint(0, 6))
            if founded and started < founded:
                started = founded
            late.append((started, pk))
        else:
            source, started = None, term_started or founded or as_of
        if pk not in renewed and lead[0] != secretary_id:
            leads.append((lead[0], pk))  # Organization.secretary in step with the posts
        for i, (mid, _name, _job) in enumerate(committee):
            post = (
                Post.SECRETARY
                if i == 0
                else Post.DEPUTY
                if i == 1 and n_committee >= 5
                else Post.MEMBER
            )
            posts.append((pk, mid, post, started, None, source, now, now))
        # The village/residents' committee, elected alongside.
        chairs_too = "主任" in lead[2] or rng.random() < ONE_SHOULDER
        size = 3 + rng.randrange(3 if unit_type == UnitType.VILLAGE else 2)
        holders = []
        if chairs_too:
            holders.append((lead[1], lead[0], VillageRole.CHAIR))
        else:
            chair = others[-1] if others and rng.random() < 0.5 else None
            holders.append(
                (chair[1], chair[0], VillageRole.CHAIR)
                if chair
                else (_person_name(rng, rng.choice("12"), "mid"), None, VillageRole.CHAIR)
            )
        crossable = [m for m in committee if m[0] != lead[0]]
        for j in range(size - 1):
            role = VillageRole.VICE_CHAIR if j == 0 else VillageRole.MEMBER
            if crossable and rng.random() < CROSS_SHARE:
                m = crossable.pop(0)
                holders.append((m[1], m[0], role))
            else:
                holders.append((_person_name(rng, rng.choice("12"), "mid"), None, role))
        for name, mid, role in holders:
            seats.append((pk, name[:40], mid, role, started, None, now, now))
    phase.update(2)

    # Some other organisations are late with their renewal (ORG-06).
    rows = (
        Organization.objects.filter(status="active", kind__in=[str(k) for k in GRASSROOTS_KINDS])
        .exclude(unit_type__in=VILLAGE_TYPES)
        .order_by("id")
        .values_list("id", "kind", "unit_type", "founded_on")
    )
    for pk, kind, unit_type, founded in rows.iterator(10_000):
        if rng.random() < OVERDUE_SHARE:
            years = default_term_years(kind, unit_type)
            start = add_months(as_of, -12 * years - rng.randint(1, 14))
            if founded is None or start >= founded:
                late.append((start, pk))

    with transaction.atomic():
        Inserter(
            Election,
            (
                "id",
                "org",
                "held_on",
                "entitled",
                "present",
                "ballots_issued",
                "ballots_returned",
                "seats",
                "term_years",
                "notes",
                "recorded_by",
                "region_code",
                "created_at",
                "updated_at",
            ),
        ).write(elections)
        Inserter(Candidate, ("election", "member", "votes", "elected")).write(candidates)
        Inserter(
            CommitteePost,
            (
                "org",
                "member",
                "post",
                "started_on",
                "ended_on",
                "election",
                "created_at",
                "updated_at",
            ),
        ).write(posts)
        Inserter(
            VillageCommitteeSeat,
            ("org", "name", "member", "role", "started_on", "ended_on", "created_at", "updated_at"),
        ).write(seats)
        table = connection.ops.quote_name(Organization._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET term_started_on = %s, term_years = %s, secretary_id = %s "
                "WHERE id = %s",
                terms,
            )
            cursor.executemany(f"UPDATE {table} SET term_started_on = %s WHERE id = %s", late)
            cursor.executemany(f"UPDATE {table} SET secretary_id = %s WHERE id = %s", leads)
            cursor.executemany(
                f"UPDATE {table} SET founded_on = %s WHERE id = %s",
                [(d, pk) for pk, d in refounded.items()],
            )
            for sql in connection.ops.sequence_reset_sql(no_style(), [Election]):
                cursor.execute(sql)
        RenewalCampaign.objects.create(
            org=city,
            name=f"{ends.year}年村(社区)“两委”换届选举",
            starts_on=starts,
            ends_on=ends,
            unit_types=list(VILLAGE_TYPES),
        )
    phase.update(4)
    return {
        "elections": len(elections),
        "completed": {t: sum(1 for r in by_type[t] if r[0] in renewed) for t in VILLAGE_TYPES},
        "posts": len(posts),
        "village_seats": len(seats),
        "overdue_set": len(late),
    }
