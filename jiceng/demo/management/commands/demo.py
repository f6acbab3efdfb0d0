"""`jiceng demo`: build the demo city (湛江市) and print the demo logins."""

import time
import unicodedata
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from jiceng.core.codes import OrgCategory
from jiceng.demo import build
from jiceng.orgs.models import OrgKind, UnitType


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {text!r}") from None


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


class Command(BaseCommand):
    help = (
        "Build the demo city deterministically from --seed: 11 county-level units, 121 "
        "townships, 13,000 grassroots organisations and 322,000 members at --scale 1; "
        "then print what was built and the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2017, help="default 2017")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="fraction of the full city, 0.001–1 (default 1)",
        )
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="the day ages, joining and terms are reckoned from (default today)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--replace",
            action="store_true",
            help="delete all organisations, members and accounts first",
        )
        mode.add_argument(
            "--keep-existing",
            action="store_true",
            help="if there is data already, build nothing: reset the demo "
            "users' passwords and print the logins",
        )

    def handle(self, *args, seed, scale, as_of, replace, keep_existing, **options):
        if not 0.001 <= scale <= 1:
            raise CommandError("--scale must be between 0.001 and 1")
        verbosity = options.get("verbosity", 1)
        if build.has_data() and not replace:
            if keep_existing:
                logins = build.demo_logins(reset_only=True)
                self.stdout.write(
                    "The database already holds data; nothing was built. "
                    "The demo users have new passwords:"
                )
                self._print_logins(logins)
                return
            raise CommandError(
                "The database already holds organisations or members; nothing was changed. "
                "Use --replace to delete all organisations, members and accounts and build "
                "the demo city afresh, or --keep-existing to keep the data and only print "
                "(new) demo logins."
            )
        started = time.perf_counter()
        # The raw stream: OutputWrapper.write would end every redraw with a newline.
        progress = build.Progress(getattr(self.stderr, "_out", self.stderr), enabled=verbosity > 0)
        result = build.build(
            seed=seed, scale=scale, as_of=as_of, progress=progress, replace=replace
        )
        elapsed = time.perf_counter() - started
        if verbosity > 0:
            self._print_summary(result, elapsed)
        self._print_logins(result.logins)

    def _print_summary(self, result, elapsed: float) -> None:
        s = build.summary()
        w = self.stdout.write
        w(
            f"Built the demo city (seed {result.seed}, scale {result.scale:g}, as of "
            f"{result.as_of}) in {elapsed:.1f}s."
        )
        w("Organisations by kind:")
        for kind in OrgKind:
            if s["kinds"].get(kind.value):
                w(f"  {_pad(kind.label, 20)}{kind.value:<18}{s['kinds'][kind.value]:>8,}")
        w(f"  {_pad('基层党组织 grassroots', 38)}{s['grassroots']:>8,}")
        w("Grassroots organisations by category:")
        for cat in OrgCategory:
            if s["categories"].get(cat.value):
                w(f"  {cat.value} {_pad(cat.label, 35)}{s['categories'][cat.value]:>8,}")
        w("Units with a Party organisation, by unit type:")
        for unit in UnitType:
            if s["units"].get(unit.value):
                w(f"  {_pad(unit.label, 20)}{unit.value:<18}{s['units'][unit.value]:>8,}")
        w(
            f"Members: {s['members']:,} ({s['probationary']:,} probationary), "
            f"{result.status_changes:,} status changes."
        )
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        w(f"Phases: {phases}.")

    def _print_logins(self, logins) -> None:
        w = self.stdout.write
        w("")
        w(f"Demo logins for {build.URL} (passwords are shown only here):")
        width = max(len(x.username) for x in logins)
        w(f"  {'user':<{width}}  {'password':<16}  role")
        for login in logins:
            w(f"  {login.username:<{width}}  {login.password:<16}  {login.description}")
        w(
            "Administrators (organisation administrators and the three separated ones) set up "
            "an authenticator app (TOTP) at their first login: the page shows a QR code and "
            "the secret key."
        )
