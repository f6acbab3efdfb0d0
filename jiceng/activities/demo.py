"""A year of organisational life for the demo city (jiceng.demo.extensions).

For every branch on the rolls, the twelve months up to the build date: themed Party days, committee
meetings (branches with a committee, ORG-03), general meetings and Party lectures each quarter,
Party group meetings in large branches, and last year's and this year's organisational-life
meeting, democratic appraisal and heart-to-heart talks — with attendance for every participant
(~500,000 meetings and ~10 million attendance rows at full scale).

Realistic gaps so that compliance has something to show: most branches hold nearly everything,
some skip one meeting in five, a few skip half and attend poorly; about 3 % of members stopped
coming some months ago (ST-03; with the dues app's gaps, LOST-01). Deterministic for a seed and
a date. Rows are generated in a forked child process (when the machine has a second CPU) while
this process writes them with `core.bulk.Inserter` (executemany on SQLite, COPY on
PostgreSQL); each member's last organisational life (MemberLife) is kept along the way, and
the kept state of compliance (life.py) is built at the end.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from jiceng.core.bulk import Inserter, StagedInserter, deferred_indexes
from jiceng.core.dates import add_months
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStatus

from . import life as kept
from .models import Attendance, Kind, Meeting, MemberLife, Training

MEETING_COLUMNS = (
    "id",
    "org",
    "kind",
    "held_on",
    "place",
    "host",
    "recorder",
    "topic",
    "minutes",
    "resolutions",
    "has_vote",
    "expected",
    "present",
    "on_leave",
    "absent",
    "voting",
    "voting_present",
    "quorum_met",
    "region_code",
    "created_at",
    "updated_at",
)
ATTENDANCE_COLUMNS = ("meeting", "member", "presence", "reason")
BATCH = 100_000  # attendance rows per message / write
TOPICS = {
    Kind.PARTY_DAY: (
        "学习贯彻党的二十大精神",
        "重温入党誓词",
        "志愿服务进社区",
        "参观红色教育基地",
    ),
    Kind.COMMITTEE: ("研究本月工作安排", "研究发展党员工作", "讨论党费收缴情况"),
    Kind.GENERAL: ("通报支部工作", "讨论预备党员转正", "选举支部委员会"),
    Kind.LECTURE: ("书记讲党课", "党史学习教育专题党课", "廉洁教育党课"),
    Kind.GROUP: ("党小组学习", "党小组谈心交流"),
    Kind.LIFE_MEETING: ("年度组织生活会",),
    Kind.APPRAISAL: ("年度民主评议党员",),
    Kind.TALK: ("支部委员与党员谈心谈话",),
    Kind.BASE_VISIT: ("参观红色教育基地", "参观廉政教育基地", "参观党史纪念馆"),
}
LEAVE_REASONS = ("出差", "病假", "外出务工", "家中有事")
# Branch habits: (share of branches, chance a required meeting is skipped, attendance range)
HABITS = ((0.80, 0.02, (0.85, 1.0)), (0.15, 0.20, (0.7, 0.95)), (0.05, 0.5, (0.35, 0.75)))
ABSENTEE_SHARE = 0.03
VISIT_SHARE = 0.016  # branches that visited an education base in the year (~180 of 11,000)
REVISIT_SHARE = 0.5  # of those, the share that went twice (the source: 6,000+ member visits)
# The city's training catalogue (the source: "20+ topics"): every branch secretary takes two
# courses a year, and the members of one branch in ten take one together.
TRAINING_TOPICS = (
    "党章党规党纪学习",
    "习近平新时代中国特色社会主义思想",
    "党的二十大精神专题",
    "党史学习教育",
    "新中国史",
    "改革开放史",
    "社会主义发展史",
    "基层党支部工作实务",
    "发展党员工作规范",
    "党费收缴使用管理",
    "三会一课制度",
    "组织生活会和民主评议",
    "乡村振兴战略",
    "基层治理与网格化管理",
    "党群服务中心建设",
    "廉洁自律教育",
    "意识形态工作",
    "保密知识",
    "信访与群众工作方法",
    "脱贫攻坚与防止返贫",
    "两新组织党建",
    "流动党员管理",
    "计算机与信息化应用",
    "红色文化与革命传统教育",
)
SECRETARY_COURSES = 2
GROUP_TRAINING_SHARE = 0.1
TRAINING_COLUMNS = ("member", "held_on", "title", "hours", "created_at", "updated_at")


def estimate(ctx) -> int:
    return max(1, int(10_000_000 * ctx.scale))


def _load(as_of: date):
    """Branches (id, region, secretary) and their members on the rolls (id, votes)."""
    branches = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .order_by("path")
        .values_list("id", "region_code", "secretary_id")
    )
    members = defaultdict(list)
    rows = (
        Member.objects.filter(leave_status=LeaveStatus.ON_ROLLS, join_date__lte=as_of)
        .order_by("org_id", "id")
        .values_list("org_id", "id", "membership", "standing")
    )
    for org_id, pk, membership, standing in rows.iterator(chunk_size=20_000):
        members[org_id].append((pk, membership == "full" and standing == "normal"))
    return branches, members


def _month_days(start: date) -> int:
    return (add_months(start, 1) - timedelta(days=1)).day


class _Generator:
    """Meetings and attendance, branch by branch; deterministic for (seed, as_of)."""

    def __init__(self, seed: int, as_of: date, first_id: int, now):
        self.rng = random.Random(seed * 104_729 + 11)
        self.as_of = as_of
        self.next_id = first_id
        self.now = now
        self.meetings: list[tuple] = []
        self.attendance: list[tuple] = []
        self.last_present: dict[int, date] = {}
        self.first_month = add_months(as_of.replace(day=1), -11)

    def _date_in(self, start: date, days: int) -> date | None:
        d = start + timedelta(days=self.rng.randrange(days))
        return d if d <= self.as_of else None

    def branch(self, org_id: int, region: str, secretary_id, people: list[tuple[int, bool]]):
        rng = self.rng
        r = rng.random()
        skip, attend = HABITS[-1][1], HABITS[-1][2]
        for share, s, a in HABITS:
            if r < share:
                skip, attend = s, a
                break
            r -= share
        ids = [pk for pk, _v in people]
        voters = {pk for pk, v in people if v}
        # ~3 % of members stopped coming some months ago
        gone = {
            pk: add_months(self.as_of, -rng.randint(5, 11))
            for pk in ids
            if rng.random() < ABSENTEE_SHARE and pk != secretary_id
        }
        full = [pk for pk, v in people if v]
        committee = []
        if len(full) >= 7:
            size = 3 if len(full) < 15 else 5
            committee = ([secretary_id] if secretary_id in voters else []) + [
                pk for pk in full if pk != secretary_id
            ][: size - (1 if secretary_id in voters else 0)]
        groups = [ids[i : i + 10] for i in range(0, len(ids), 10)] if len(ids) >= 30 else []
        host = secretary_id if secretary_id in voters else (ids[0] if ids else None)
        recorder = ids[1] if len(ids) > 1 else host

        def hold(kind, held_on, roster):
            if held_on is None or not roster:
                return
            self._meeting(
                org_id, region, kind, held_on, roster, voters, gone, attend, host, recorder
            )

        month = self.first_month
        for i in range(12):
            days = _month_days(month)
            if rng.random() >= skip:
                hold(Kind.PARTY_DAY, self._date_in(month, days), ids)
            if committee and rng.random() >= skip:
                hold(Kind.COMMITTEE, self._date_in(month, days), committee)
            if groups and rng.random() >= skip:
                hold(Kind.GROUP, self._date_in(month, days), groups[i % len(groups)])
            if month.month in (1, 4, 7, 10) or i == 0:
                quarter = date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
                qdays = (add_months(quarter, 3) - quarter).days
                start = max(quarter, self.first_month)
                qdays -= (start - quarter).days
                for kind in (Kind.GENERAL, Kind.LECTURE):
                    if rng.random() >= skip:
                        hold(kind, self._date_in(start, qdays), ids)
            month = add_months(month, 1)
        # the yearly ones: last year's (in its last quarter) and this year's so far
        last_q4 = date(self.as_of.year - 1, 10, 1)
        this_year = date(self.as_of.year, 1, 1)
        for kind in (Kind.LIFE_MEETING, Kind.APPRAISAL, Kind.TALK):
            roster = committee or ids if kind == Kind.TALK else ids
            if rng.random() >= skip / 2:
                hold(kind, self._date_in(last_q4, 92), roster)
            if rng.random() < 0.6:
                hold(kind, self._date_in(this_year, max(1, (self.as_of - this_year).days)), roster)

    def visit(self, org_id: int, region: str, secretary_id, people: list[tuple[int, bool]]):
        """A visit to an education base with the branch's members."""
        ids = [pk for pk, _v in people]
        held_on = self._date_in(self.first_month, (self.as_of - self.first_month).days + 1)
        host = secretary_id if secretary_id in ids else ids[0]
        if held_on is not None:
            self._meeting(
                org_id, region, Kind.BASE_VISIT, held_on, ids, set(), {}, (0.7, 1.0), host, host
            )

    def _meeting(self, org_id, region, kind, held_on, roster, voters, gone, attend, host, rec):
        rng = self.rng
        pk = self.next_id
        self.next_id += 1
        share = rng.uniform(*attend)
        n = len(roster)
        away = set(rng.sample(roster, n - round(n * share))) if n > 1 else set()
        present = on_leave = absent = voting = voting_present = 0
        rows = self.attendance
        last = self.last_present
        for member in roster:
            since = gone.get(member)
            if since is not None and held_on >= since:
                state, reason = "absent", ""
            elif member in away:
                if rng.random() < 0.6:
                    state, reason = "leave", LEAVE_REASONS[int(rng.random() * 4)]
                else:
                    state, reason = "absent", ""
            else:
                state, reason = "present", ""
            rows.append((pk, member, state, reason))
            if state == "present":
                present += 1
                if last.get(member, date.min) < held_on:
                    last[member] = held_on
            elif state == "leave":
                on_leave += 1
            else:
                absent += 1
            if member in voters:
                voting += 1
                voting_present += state == "present"
        if kind == Kind.GENERAL:
            quorum = voting_present * 2 > voting
        elif kind == Kind.COMMITTEE:
            quorum = present * 2 > n
        else:
            quorum = present > 0
        vote = kind in (Kind.GENERAL, Kind.COMMITTEE) and quorum and rng.random() < 0.3
        topics = TOPICS[kind]
        self.meetings.append(
            (
                pk,
                org_id,
                kind.value,
                held_on,
                "党员活动室",
                host,
                rec,
                topics[int(rng.random() * len(topics))],
                "",
                "",
                vote,
                n,
                present,
                on_leave,
                absent,
                voting,
                voting_present,
                quorum,
                region,
                self.now,
                self.now,
            )
        )


def generate(seed: int, as_of: date, first_id: int, now, branches, members) -> Iterator[tuple]:
    """("rows", meetings, attendance) batches, then ("done", last present per member)."""
    gen = _Generator(seed, as_of, first_id, now)
    for org_id, region, secretary_id in branches:
        people = members.get(org_id)
        if not people:
            continue
        gen.branch(org_id, region, secretary_id, people)
        if len(gen.attendance) >= BATCH:
            yield ("rows", gen.meetings, gen.attendance)
            gen.meetings, gen.attendance = [], []
    # Education-base visits, from a stream of their own (the meetings above stay the same).
    gen.rng = random.Random(seed * 7_919 + 3)
    for org_id, region, secretary_id in branches:
        people = members.get(org_id)
        if people and gen.rng.random() < VISIT_SHARE:
            gen.visit(org_id, region, secretary_id, people)
            if gen.rng.random() < REVISIT_SHARE:  # a second visit later in the year
                gen.visit(org_id, region, secretary_id, people)
    yield ("rows", gen.meetings, gen.attendance)
    yield ("training", _training(seed, as_of, now, branches, members))
    yield ("done", gen.last_present)


def _training(seed: int, as_of: date, now, branches, members) -> list[tuple]:
    """Training records (LIFE-10) from the catalogue, from a stream of their own."""
    rng = random.Random(seed * 15_485_863 + 5)
    first = add_months(as_of.replace(day=1), -11)
    days = (as_of - first).days + 1
    rows = []
    for org_id, _region, secretary_id in branches:
        people = members.get(org_id)
        if not people:
            continue
        ids = [pk for pk, _v in people]
        if secretary_id in ids:
            for title in rng.sample(TRAINING_TOPICS, SECRETARY_COURSES):
                held_on = first + timedelta(days=rng.randrange(days))
                rows.append(
                    (secretary_id, held_on, title, Decimal(rng.choice((8, 16, 24))), now, now)
                )
        if rng.random() < GROUP_TRAINING_SHARE:
            title = rng.choice(TRAINING_TOPICS)
            held_on = first + timedelta(days=rng.randrange(days))
            rows.extend((pk, held_on, title, Decimal(4), now, now) for pk in ids)
    return rows


def _produce(args, conn) -> None:
    try:
        for message in generate(*args):
            conn.send(message)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _forked(args) -> Iterator[tuple]:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(args, sender), daemon=True, name="jiceng-demo-life")
    child.start()
    sender.close()
    try:
        while True:
            message = receiver.recv()
            if message[0] == "error":
                raise RuntimeError(f"generating the meetings failed:\n{message[1]}")
            yield message
            if message[0] == "done":
                return
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
            child.join()


def build(ctx, phase) -> dict:
    from jiceng.demo.build import can_fork

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    first_id = (Meeting.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    branches, members = _load(ctx.as_of)
    args = (ctx.seed, ctx.as_of, first_id, now, branches, members)
    messages = _forked(args) if ctx.parallel and can_fork() else generate(*args)
    meetings = StagedInserter(Meeting, MEETING_COLUMNS)
    attendance = StagedInserter(Attendance, ATTENDANCE_COLUMNS)
    life = Inserter(MemberLife, ("member", "last_present_on"))
    training = Inserter(Training, TRAINING_COLUMNS)
    # The indexes are built once at the end, each one sort, not a B-tree insert per row.
    with transaction.atomic(), deferred_indexes(Meeting), deferred_indexes(Attendance):
        for message in messages:
            if message[0] == "rows":
                meetings.write(message[1])
                attendance.write(message[2])
                phase.update(attendance.rows)
            elif message[0] == "training":
                training.write(message[1])
            else:
                known = set(MemberLife.objects.values_list("member_id", flat=True))
                life.write(sorted((k, v) for k, v in message[1].items() if k not in known))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Meeting, Attendance]):
                cursor.execute(sql)
    with transaction.atomic():
        # The kept state compliance reads (life.py): a row for every member, and each
        # organisation's latest periods of each required meeting.
        kept.cover()
        orgs = kept.rebuild()
    return {
        "meetings": meetings.rows,
        "attendance": attendance.rows,
        "member_life": life.rows,
        "org_life": orgs,
        "training": training.rows,
    }
