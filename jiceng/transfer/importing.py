"""One import from start to end: find the sheets, check every row, then write all or nothing.

`import_sheets` is what the web's background task and `jiceng import` both call. Checking
reads the database but writes nothing; with `write=True` and no problems, everything is
written in one transaction — organisations first (members may name a branch created on the
organisations sheet), then members, then the rollups and the organisations' secretaries — so
a process killed at any point leaves the database as it was, and the import can be run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.orgs import rollups
from jiceng.sheets.headers import match_header
from jiceng.sheets.read import Sheet

from .layout import MEMBERS, ORGS
from .members_import import MemberWriter, check_members, write_members
from .orgindex import OrgIndex
from .orgs_import import check_orgs, write_orgs, write_secretaries
from .problems import Problems

Progress = Callable[[str, int, int], None]


class _RollBack(Exception):
    pass


@dataclass
class Outcome:
    problems: Problems = field(default_factory=Problems)
    summary: dict = field(default_factory=dict)  # {"orgs": {...}, "members": {...}}
    preview: dict = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _quiet(_phase: str, _done: int, _total: int) -> None:
    pass


def import_sheets(
    sheets: list[Sheet],
    *,
    actor,
    write: bool,
    progress: Progress | None = None,
    reason: str = "",
    on_written: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Check `sheets` and, if `write` and nothing is wrong, write them. `actor` None is the
    command line's system user (no scope limit). `on_written(outcome)` runs inside the
    import's transaction after everything is written, so whatever it records (the job's
    state, the audit row) commits together with the records or not at all."""
    progress = progress or _quiet
    outcome = Outcome()
    problems = outcome.problems
    today = timezone.localdate()
    found = []
    for sheet in sheets:
        for layout in (MEMBERS, ORGS):  # members first: their sheet may name 党组织名称 too
            match = match_header(sheet.rows, layout)
            if match is not None:
                found.append((sheet, layout, match))
                outcome.ignored_columns += [f"{sheet.name}: {h}" for h in match.ignored]
                for col, message in match.problems:
                    problems.add(sheet.name, match.row_index + 1, col, "", "", message)
                break
    if not found:
        problems.add(
            sheets[0].name if sheets else "",
            1,
            None,
            "",
            "",
            _(
                "No sheet has a recognised header row: a member sheet needs a 公民身份号码 "
                "column, an organisation sheet 党组织名称 and 党组织类型"
            ),
        )
        return outcome
    if problems:
        return outcome

    orgs = OrgIndex(actor)
    org_plans = []
    for sheet, layout, match in found:
        if layout is ORGS:
            progress(_("checking organisations"), 0, 1)
            org_plans.append(
                check_orgs(sheet.name, sheet.rows, match, orgs, problems=problems, today=today)
            )
    try:
        # One transaction from here: members are written while later rows are still being
        # checked (members_import.check_members), so the organisations go first, and a
        # problem found at any point rolls everything back.
        with transaction.atomic():
            writing = write and not problems
            if writing:
                for plan in org_plans:
                    write_orgs(plan, orgs, actor=actor)
            member_plans = []
            writer = MemberWriter(orgs) if writing else None
            for sheet, layout, match in found:
                if layout is MEMBERS:
                    plan = check_members(
                        sheet.name,
                        sheet.rows,
                        match,
                        orgs,
                        problems=problems,
                        today=today,
                        progress=lambda done, total: progress(_("checking members"), done, total),
                        writer=writer,
                    )
                    member_plans.append(plan)
            for key, plans in (("orgs", org_plans), ("members", member_plans)):
                if plans:
                    outcome.summary[key] = _sum(p.summary() for p in plans)
                    outcome.preview[key] = plans[0].preview()
            if problems or not writing:
                raise _RollBack
            progress(_("writing"), 0, 1)
            deltas: dict = {}
            for plan in member_plans:
                write_members(plan, orgs, actor=actor, deltas=deltas, reason=reason, writer=writer)
            # The member table's indexes are rebuilt (in the database, the GIL released) while
            # the rollup sums are taken.
            rollups.apply_deltas(deltas, alongside=writer.finish)
            for plan in org_plans:
                write_secretaries(plan, orgs, actor=actor, problems=problems)
            if problems:
                raise _RollBack
            outcome.written = True
            if on_written is not None:
                on_written(outcome)
    except _RollBack:
        outcome.written = False
        return outcome
    except ValidationError as exc:
        problems.add("", 0, None, "", "", "; ".join(exc.messages))
        return outcome
    except IntegrityError:
        problems.add(
            "",
            0,
            None,
            "",
            "",
            _(
                "The records changed while this file was being imported (for example, someone "
                "registered one of these ID numbers). Nothing was written; run the import again."
            ),
        )
        return outcome
    progress(_("writing"), 1, 1)
    return outcome


def _sum(summaries) -> dict:
    total: dict = {}
    for s in summaries:
        for k, v in s.items():
            total[k] = total.get(k, 0) + v
    return total
