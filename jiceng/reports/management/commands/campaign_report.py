"""`jiceng campaign_report`: the campaign report of a subtree on the command line.

    jiceng campaign_report [--org ID] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
                           [--pdf FILE] [--xlsx FILE] [--check-source] [--check-naive]

Prints the report (title, summary, each system's sentences and figures) in Chinese. With
--check-source, prints each figure of the source document's table beside the report's and
whether it matches (run it on the full demo city: `jiceng demo`), and exits 1 if one does not;
--check-naive compares every plainly counted figure with its count made organisation by
organisation (campaign/naive.py). Reads only; writes nothing but the files asked for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jiceng.orgs.models import Organization
from jiceng.reports.campaign import content, naive, render, services


@dataclass(frozen=True)
class SourceFigure:
    """One figure of the source document's table (shared/seed/README.md)."""

    label: str
    key: str | None  # the report's figure; None: the platform keeps no such record
    part: str | None  # a part of the figure's value, else the value
    expected: float
    test: str  # "=" exactly, ">=" at least ("320,000+"), "~" within `tolerance`
    tolerance: float = 0


# The document rounds (1.3万, 32.2万, 132万, 7.9万, 41亿): "~" allows that rounding.
SOURCE = (
    SourceFigure("grassroots Party organisations 1.3万", "orgs.grassroots", None, 13_000, "~", 500),
    SourceFigure("Party members 32.2万", "members.total", None, 322_000, "~", 500),
    SourceFigure("members with complete records 32万+", "members.complete", None, 320_000, ">="),
    SourceFigure("county-level units", "orgs.counties", None, 11, "="),
    SourceFigure("townships and streets", "orgs.townships", None, 121, "="),
    SourceFigure("villages: 两委 elections completed", "elections.renewed", "villages", 1450, "="),
    SourceFigure(
        "communities: 两委 elections completed", "elections.renewed", "communities", 305, "="
    ),
    SourceFigure("supervision groups", None, None, 55, "="),
    SourceFigure("inspection rounds", None, None, 5, "="),
    SourceFigure("commitment letters 130+", None, None, 130, ">="),
    SourceFigure("key and difficult villages rectified", None, None, 135, "="),
    SourceFigure("new 两新 organisations", None, None, 11, "="),
    SourceFigure(
        "weak-and-lax organisations identified", "accountability.weak_lax", None, 111, "="
    ),
    SourceFigure("training topics 20+", "activities.training", None, 20, ">="),
    SourceFigure(
        "units visiting education bases 180+", "activities.base_visits", "units", 180, ">="
    ),
    SourceFigure(
        "members visiting education bases 6,000+", "activities.base_visits", "members", 6000, ">="
    ),
    SourceFigure("township service platforms", "outreach.centres", "townships", 121, "="),
    SourceFigure("village service platforms", "outreach.centres", "villages", 1934, "="),
    SourceFigure("on-site duty attendance ≥ 95%", "outreach.duty_attendance", None, 95, ">="),
    SourceFigure("households visited 132万", "outreach.visits", None, 1_320_000, "~", 5000),
    SourceFigure("problems resolved 85%", "outreach.resolved", None, 85, "~", 0.5),
    SourceFigure("village work teams", "outreach.teams", None, 1608, "="),
    SourceFigure("stationed cadres 4,500+", "outreach.stationed_cadres", None, 4500, ">="),
    SourceFigure("people lifted from poverty 7.9万", "outreach.lifted", None, 79_000, "~", 500),
    SourceFigure("share of the poor lifted 32%", "outreach.lifted", "share", 32, "~", 0.5),
    SourceFigure("funds raised 41亿 yuan", "outreach.funds", None, 4.1e9, "~", 5e7),
    SourceFigure("village cadres trained 4,500+", "outreach.cadres_trained", None, 4500, ">="),
    SourceFigure("secretary projects", "accountability.projects", None, 237, "="),
    SourceFigure("problem ledgers", "accountability.ledgers", None, 450, "="),
    SourceFigure("problems found", "accountability.problems", None, 1380, "="),
    SourceFigure("key tasks", "accountability.key_tasks", None, 25, "="),
    SourceFigure("quantitative assessment items", "accountability.rubric_items", None, 52, "="),
)


def matches(figure: SourceFigure, got) -> bool:
    if got is None:
        return False
    got = float(got)
    if figure.test == "=":
        return got == figure.expected
    if figure.test == ">=":
        return got >= figure.expected
    return abs(got - figure.expected) <= figure.tolerance


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from None


def _plain(number) -> str:
    if number is None:
        return "—"
    if isinstance(number, Decimal | float) and number != int(number):
        return f"{number:,.2f}"
    return f"{int(number):,}"


class Command(BaseCommand):
    help = "Print the campaign report of a subtree; --check-source compares it with the source."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, help="organisation id (default: the root)")
        parser.add_argument("--start", help="first day (default: 1 January of this year)")
        parser.add_argument("--end", help="last day (default: today)")
        parser.add_argument("--pdf", help="write the PDF here")
        parser.add_argument("--xlsx", help="write the figure table (.xlsx) here")
        parser.add_argument("--check-source", action="store_true")
        parser.add_argument("--check-naive", action="store_true")

    def handle(self, *args, **options):
        default_start, default_end = services.default_period()
        start = _date(options["start"]) or default_start
        end = _date(options["end"]) or default_end
        if options["org"]:
            org = Organization.objects.filter(pk=options["org"]).first()
        else:
            org = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        if org is None:
            raise CommandError("no such organisation (is the database empty? `jiceng demo`)")
        if end < start:
            raise CommandError("the end of the period is before its start")
        if (end - start).days + 1 > services.MAX_DAYS:
            raise CommandError(f"a report covers at most {services.MAX_DAYS} days")
        with translation.override("zh-hans"):
            began = time.perf_counter()
            scope = content.scope_for(org, start, end)
            values = content.compute(scope)
            report = content.compose(org, start, end, values)
            computed = time.perf_counter() - began
            self._print(report)
            self.stdout.write(f"\n(figures computed in {computed:.2f} s)")
            if options["pdf"]:
                with open(options["pdf"], "wb") as out:
                    out.write(render.pdf(report))
            if options["xlsx"]:
                with open(options["xlsx"], "wb") as out:
                    out.write(render.xlsx(report))
        failed = False
        if options["check_source"]:
            failed |= self._check_source(values)
        if options["check_naive"]:
            failed |= self._check_naive(scope, values)
        if failed:
            raise CommandError("some figures do not match (see above)", returncode=1)

    def _print(self, report: content.Report) -> None:
        self.stdout.write(report.title)
        self.stdout.write(report.summary)
        for section in report.sections:
            self.stdout.write(f"\n{section.heading}")
            if section.sentences:
                self.stdout.write("".join(section.sentences))
            for line in section.lines:
                parts = f"  ({line.parts})" if line.parts else ""
                self.stdout.write(f"  {line.key:30} {line.text:>18}{parts}")

    def _check_source(self, values) -> bool:
        self.stdout.write("\nThe source document's figures beside the report's:")
        self.stdout.write(f"  {'figure':44} {'source':>15} {'report':>16}  match")
        ok = kept = 0
        for figure in SOURCE:
            if figure.key is None:
                self.stdout.write(
                    f"  {figure.label:44} {_plain(figure.expected):>15} {'(no record)':>16}  —"
                )
                continue
            kept += 1
            value = values.get(figure.key)
            got = None
            if value is not None:
                got = value.value if figure.part is None else (value.parts or {}).get(figure.part)
            good = matches(figure, got)
            ok += good
            test = {"=": "", ">=": "≥ ", "~": "≈ "}[figure.test]
            self.stdout.write(
                f"  {figure.label:44} {test + _plain(figure.expected):>15} {_plain(got):>16}  "
                f"{'yes' if good else 'NO'}"
            )
        self.stdout.write(f"{ok} of {kept} figures the platform keeps match the source.")
        return ok != kept

    def _check_naive(self, scope, values) -> bool:
        self.stdout.write("\nThe report's figures beside their count made org by org:")
        began = time.perf_counter()
        direct = naive.compute(scope)
        bad = 0
        for key, count in direct.items():
            got = values[key].value
            good = (got if got is not None else 0) == count
            bad += not good
            self.stdout.write(
                f"  {key:30} {_plain(got):>16} {_plain(count):>16}  {'yes' if good else 'NO'}"
            )
        self.stdout.write(f"(naive counts in {time.perf_counter() - began:.1f} s)")
        return bool(bad)
