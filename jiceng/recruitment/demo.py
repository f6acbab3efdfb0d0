"""The demo city's development pipeline (jiceng.demo.extensions): deterministic, set-based.

- every probationary member of the demo registry gets the record that admitted them: steps 1
  to 17 (and on, as far as today) dated backwards from the branch resolution (= joining date);
- members who became full in the last three months get a finished record (steps 1-24 or 25);
- about three applicants, activists, development targets and people in admission for every
  ten branches, spread over the stages, some with a deadline passed (a talk, an assessment, an
  approval), a few with a documented DEV-07 exception.

Rows go in with core.bulk.Inserter; ID numbers of members are copied as stored (ciphertext and
hash), new ones are encrypted in one call."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from jiceng.core import crypto, idnumber
from jiceng.core.bulk import Inserter
from jiceng.core.dates import add_months
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStatus

from . import steps
from .models import DevelopmentRecord, RuleException, Sponsor, Stage, Step

SYNTHETIC_PER_BRANCH = 0.3
OVERDUE_SHARE = 0.12
EXCEPTION_SHARE = 0.03
# Weights of the last step done by the synthetic records (1-16: before admission).
STEP_WEIGHTS = {
    1: 6, 2: 10, 3: 3, 4: 3, 5: 4, 6: 14, 7: 3, 8: 2, 9: 3, 10: 3,
    11: 3, 12: 2, 13: 2, 14: 2, 15: 3, 16: 2,
}  # fmt: skip
VOTES = {"entitled": 12, "present": 11, "yes": 11, "no": 0, "abstain": 0}
RECORD_COLUMNS = (
    "id", "name", "id_number", "id_number_hash", "sex", "birth_date", "ethnicity", "education",
    "occupation", "org", "member", "stage", "step", "applied_on", "talked_on", "activist_on",
    "assessed_on", "target_on", "notice_ends_on", "resolution_on", "approved_on",
    "probation_ends_on", "extended", "decision_on", "full_on", "closed_on", "created_at",
    "updated_at",
)  # fmt: skip
STEP_COLUMNS = ("id", "record", "number", "on", "data", "recorded_at")
SPONSOR_COLUMNS = ("record", "step", "member", "role")
EXCEPTION_COLUMNS = ("record", "step", "rule", "message", "reason", "recorded_at")
D = timedelta


def estimate(ctx) -> int:
    return 4


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def schedule(rng: random.Random, applied: date) -> dict:
    """Dates of steps 1-25 (and the assessments, the notice) for an application on `applied`,
    each interval inside its rule with a margin."""
    rnd = rng.random

    def r(low: int, high: int) -> timedelta:  # rng.randint's range, a third of its cost
        return D(low + int(rnd() * (high - low + 1)))

    s = {1: applied, 2: applied + r(5, 27)}
    s[3] = add_months(applied, 6) + r(3, 40)
    s[4] = s[3] + r(3, 15)
    s[5] = s[4] + r(2, 10)
    s[6] = add_months(s[3], 5)  # the first assessment (they repeat: _assessments)
    s[7] = add_months(s[3], 12) + r(3, 60)
    s[8] = s[7] + r(3, 15)
    s[9] = s[8] + r(5, 20)
    s[10] = s[9] + r(10, 30)
    s[11] = s[10] + r(5, 20)
    s[12] = s[11] + r(5, 20)
    s["notice_to"] = s[12] + D(8)
    s[13] = s["notice_to"] + r(1, 10)
    s[14] = s[13] + r(3, 10)
    s[15] = s[14] + r(5, 20)
    s[16] = s[15] + r(5, 20)
    s[17] = s[16] + r(10, 40)
    s[18] = s[17] + r(5, 20)
    s[19] = s[18] + r(1, 10)
    s[20] = s[19] + r(1, 15)
    s[21] = add_months(s[15], 6)
    s[22] = add_months(s[15], 11) + r(0, 20)
    s[23] = add_months(s[15], 12) + r(0, 10)
    s[24] = s[23] + r(10, 40)
    s[25] = s[24] + r(5, 30)
    return s


def _data(number: int, s: dict, sponsors: list[int], approver: int | None) -> dict:
    if number in (2, 16):
        return {"talker": "党支部书记" if number == 2 else "党委组织委员"}
    if number == 3:
        return {"method": "party", "decided_by": "committee"}
    if number in (4, 8):
        return {"committee": "上级党委"}
    if number == 5:
        return {"members": sponsors[:1]}
    if number in (6, 21):
        return {"assessment": "表现良好"}
    if number == 7:
        return {"decided_by": "meeting"}
    if number == 9:
        return {"members": sponsors[:2]}
    if number == 10:
        return {"passed": True, "conclusion": "政治审查合格"}
    if number == 11:
        return {"days": 3, "hours": 24}
    if number == 12:
        return {
            "passed": True,
            "notice_from": s[12].isoformat(),
            "notice_to": s["notice_to"].isoformat(),
        }
    if number == 13:
        return {"passed": True, "committee": "上级党委"}
    if number == 14:
        return {"form_number": f"RD{s[14]:%Y%m}"}
    if number == 15:
        return dict(VOTES)
    if number in (17, 24):
        return {"approving_org": approver} if approver else {}
    if number == 18:
        return {"department": "县委组织部"}
    if number == 19:
        return {"group": "第一党小组"}
    if number == 23:
        return {"decision": "full", **VOTES}
    if number == 25:
        return {"archive": "党委档案室"}
    return {}


# Steps whose data is the same for everyone: serialised once.
_CONSTANT = {
    n: json.dumps(_data(n, {}, [], None), ensure_ascii=False)
    for n in (2, 3, 4, 6, 7, 8, 10, 11, 13, 15, 16, 18, 19, 20, 21, 22, 23, 25)
}


class _Writer:
    def __init__(self):
        self.record_id = _next_id(DevelopmentRecord)
        self.step_id = _next_id(Step)
        self.records, self.steps, self.sponsors, self.exceptions = [], [], [], []
        self.now = timezone.now()

    def add(self, person: dict, s: dict, last: int, assessments: list[date], extra: dict):
        """One record whose last step done is `last` (steps 1..last, assessments)."""
        rid = self.record_id
        self.record_id += 1
        approver, sponsors = extra["approver"], extra["sponsors"]
        timeline = [(n, s[n]) for n in range(1, last + 1) if n != 6]
        timeline += [(6, d) for d in assessments]
        timeline.sort(key=lambda t: (t[1], t[0]))
        for number, on in timeline:
            sid = self.step_id
            self.step_id += 1
            data = _data(number, s, sponsors, approver)
            self.steps.append(
                (sid, rid, number, on, json.dumps(data, ensure_ascii=False), self.now)
            )
            if number in (5, 9):
                role = "contact" if number == 5 else "introducer"
                for m in data["members"]:
                    self.sponsors.append((rid, sid, m, role))
            if number == 7 and extra.get("exception"):
                self.exceptions.append(
                    (rid, sid, "DEV-07", extra["exception"], "经县委组织部批准提前确定", self.now)
                )
        res = s[15] if last >= 15 else None
        stage = Stage.FULL if last >= 24 else steps.STEPS[last].stage
        self.records.append(
            (
                rid, person["name"], person["id_number"], person["id_number_hash"],
                person["sex"], person["birth_date"], person["ethnicity"], person["education"],
                person["occupation"], person["org_id"], person.get("member_id"), stage, last,
                s[1], s[2] if last >= 2 else None, s[3] if last >= 3 else None,
                assessments[-1] if assessments else None, s[7] if last >= 7 else None,
                s["notice_to"] if last >= 12 else None, res, s[17] if last >= 17 else None,
                add_months(res, 12) if res else None, False, s[23] if last >= 23 else None,
                add_months(res, 12) if last >= 24 else None, s[25] if last >= 25 else None,
                self.now, self.now,
            )
        )  # fmt: skip

    @transaction.atomic  # one transaction: SQLite in autocommit would commit every row
    def write(self) -> int:
        Inserter(DevelopmentRecord, RECORD_COLUMNS).write(self.records)
        Inserter(Step, STEP_COLUMNS).write(self.steps)
        Inserter(Sponsor, SPONSOR_COLUMNS).write(self.sponsors)
        Inserter(RuleException, EXCEPTION_COLUMNS).write(self.exceptions)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [DevelopmentRecord, Step, Sponsor, RuleException]
            ):
                cursor.execute(sql)
        return len(self.records)


def _assessments(s: dict, until: date, *, stop: int, gap_months: int = 5) -> list[date]:
    out, d = [], add_months(s[3], gap_months)
    end = s[15] if stop >= 15 else until
    while d <= end and d <= until:
        out.append(d)
        d = add_months(d, gap_months)
    return out


def _branch_facts() -> tuple[list[int], dict[int, int | None], dict[int, list[int]]]:
    """Active branches, each branch's approving committee, two full members per branch."""
    orgs = {
        pk: (parent, kind, unit)
        for pk, parent, kind, unit in Organization.objects.values_list(
            "id", "parent_id", "kind", "unit_type"
        )
    }
    branches = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    approver: dict[int, int | None] = {}
    for b in branches:
        parent = orgs[b][0]
        while parent is not None:
            _p, kind, unit = orgs[parent]
            if kind in ("city", "county", "township") or (
                kind == "primary" and unit not in ("village", "community")
            ):
                break
            parent = orgs[parent][0]
        approver[b] = parent
    sponsors: dict[int, list[int]] = {}
    rows = (
        Member.objects.filter(membership="full", leave_status=LeaveStatus.ON_ROLLS)
        .values("org_id")
        .annotate(low=Min("id"), high=Max("id"))
        .order_by()
        .values_list("org_id", "low", "high")
    )
    for org_id, low, high in rows:
        sponsors[org_id] = [low, high] if low != high else [low]
    return branches, approver, sponsors


def _members(filters: str, params: list) -> list[dict]:
    sql = (
        "SELECT id, name, id_number, id_number_hash, sex, birth_date, ethnicity, education, "
        "occupation, org_id, join_date FROM members_member WHERE leave_status = '' AND "
        + filters
        + " ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cols = [c[0] for c in cursor.description]
        out = []
        for row in cursor.fetchall():
            m = dict(zip(cols, row, strict=True))
            for key in ("birth_date", "join_date"):
                if isinstance(m[key], str):
                    m[key] = date.fromisoformat(m[key])
            m["member_id"] = m.pop("id")
            out.append(m)
    return out


def build(ctx, phase) -> dict:
    rng = random.Random(ctx.seed * 7919 + 4)
    as_of = ctx.as_of
    branches, approver, sponsors = _branch_facts()
    phase.update(1)
    writer = _Writer()
    counts = {"admitted": 0, "full": 0, "synthetic": 0, "exceptions": 0}

    def extra(org_id, **more):
        return {"approver": approver.get(org_id), "sponsors": sponsors.get(org_id, []), **more}

    def backwards(resolution: date) -> dict:
        """A schedule whose branch resolution (step 15) falls on `resolution`."""
        guess = add_months(resolution, -24)
        s = schedule(rng, guess)
        shift = resolution - s[15]
        return {k: v + shift for k, v in s.items()}

    # Probationary members: admitted by the record's step 17.
    for m in _members("membership = %s", ["probationary"]):
        s = backwards(m["join_date"])
        for n in (16, 17):
            s[n] = min(s[n], as_of)
        s[16] = min(s[16], s[17])
        last = max(n for n in range(17, 23) if s[n] <= as_of)
        writer.add(m, s, last, _assessments(s, as_of, stop=15), extra(m["org_id"]))
        counts["admitted"] += 1
    phase.update(1)
    # Full members of the last three months: a finished record.
    since = add_months(as_of, -15)
    until = add_months(as_of, -12)
    for m in _members(
        "membership = %s AND join_date >= %s AND join_date <= %s", ["full", since, until]
    ):
        s = backwards(m["join_date"])
        s[23] = add_months(m["join_date"], 12)
        s[24] = min(as_of, s[23] + D(rng.randint(5, 30)))
        s[25] = s[24] + D(rng.randint(5, 30))
        last = 25 if s[25] <= as_of else 24
        writer.add(m, s, last, _assessments(s, as_of, stop=15), extra(m["org_id"]))
        counts["full"] += 1
    phase.update(1)
    # New people in the pipeline, before admission.
    numbers = list(STEP_WEIGHTS)
    weights = list(STEP_WEIGHTS.values())
    people = []
    for org_id in branches:
        if rng.random() >= SYNTHETIC_PER_BRANCH:
            continue
        last = rng.choices(numbers, weights)[0]
        sex = "1" if rng.random() < 0.55 else "2"
        born = date(as_of.year - rng.randint(21, 40), rng.randint(1, 12), rng.randint(1, 28))
        seq = rng.randrange(0, 999, 2) + (1 if sex == "1" else 0)
        people.append((org_id, last, sex, born, idnumber.make("440899", born, seq % 1000)))
    ciphers = crypto.encrypt_many([p[4] for p in people])
    for (org_id, last, sex, born, number), cipher in zip(people, ciphers, strict=True):
        person = {
            "name": _name(rng, sex),
            "id_number": cipher,
            "id_number_hash": crypto.lookup_hash(number),
            "sex": sex,
            "birth_date": born,
            "ethnicity": "01",
            "education": rng.choice(["20", "30", "10", "40"]),
            "occupation": rng.choice(["01", "02", "03", "04", "05"]),
            "org_id": org_id,
        }
        overdue = rng.random() < OVERDUE_SHARE
        probe = schedule(rng, as_of)
        gap = max(1, (probe[last + 1] - probe[last]).days)
        lag = (probe[last] - as_of).days
        wait = gap + rng.randint(10, 90) if overdue else rng.randrange(gap)
        applied = as_of - D(lag + wait)
        s = schedule(rng, applied)
        more = {}
        if last >= 7 and rng.random() < EXCEPTION_SHARE:
            s[7] = add_months(s[3], 12) - D(rng.randint(15, 40))
            more["exception"] = "确定发展对象时培养考察未满一年（DEV-07）"
            counts["exceptions"] += 1
        while last > 1 and s[last] > as_of:
            last -= 1
        stop_assess = as_of - D(rng.randint(190, 260)) if overdue else as_of
        assess = []
        if last >= 6:
            assess = _assessments(s, s[7] - D(1) if last >= 7 else stop_assess, stop=last)
            if last >= 7:
                assess += [d for d in _assessments(s, stop_assess, stop=last) if d >= s[7]]
            if not assess:
                last = 5
        writer.add(person, s, last, assess, extra(org_id, **more))
        counts["synthetic"] += 1
    phase.update(1)
    counts["records"] = writer.write()
    return counts


def _name(rng: random.Random, sex: str) -> str:
    from jiceng.demo.city import _person_name

    return _person_name(rng, sex, "young")
