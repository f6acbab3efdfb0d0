"""jiceng import FILE [--dry-run] [--user NAME] [--errors OUT.xlsx]

Checks every row of the file and, unless --dry-run, writes it all in one transaction. With
problems nothing is written; they are listed, and the file is written back with an error
column and the bad cells marked (--errors, default FILE-errors.xlsx). Killing the command at
any point leaves the database as it was; run it again.
"""

import hashlib
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations

from jiceng.audit import services as audit
from jiceng.core.progress import Progress
from jiceng.sheets.read import read_sheets
from jiceng.sheets.safety import UploadRefused, check_upload
from jiceng.sheets.write import write_annotated
from jiceng.transfer.importing import import_sheets

SHOWN_PROBLEMS = 50


class _Bar:
    """Adapts import progress(phase, done, total) to one progress bar per phase."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.phase = None
        self.label = None

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            self.close()
            self.label = label
            self.phase = self.progress.phase(str(label), total or 1).__enter__()
        self.phase.total = max(total, 1)
        self.phase.update(done)

    def close(self, failed: bool = False) -> None:
        if self.phase is not None:
            self.phase.__exit__(RuntimeError if failed else None, None, None)
            self.phase = None


class Command(BaseCommand):
    help = "Import organisations and members from .xlsx, .xls or .csv"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--user", help="import as this user, within their scope (default: no scope limit)"
        )
        parser.add_argument("--errors", help="where to write the annotated file on problems")

    @no_translations  # an operator's command: messages in the source language
    def handle(self, *args, file, dry_run, user, errors, verbosity, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {user!r}")
        try:
            kind = check_upload(path.name, data, max_bytes=sys.maxsize)
            sheets = read_sheets(data, kind)
        except UploadRefused as exc:
            raise CommandError(str(exc)) from exc
        bar = _Bar(Progress(sys.stderr, enabled=verbosity > 0))
        try:
            outcome = import_sheets(
                sheets,
                actor=actor,
                write=not dry_run,
                progress=bar,
                reason=f"jiceng import {path.name}",
                on_written=lambda outcome: audit.record(
                    "import",
                    actor=actor,
                    data={
                        "file": path.name,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "summary": outcome.summary,
                        "via": "command line",
                    },
                ),
            )
        except BaseException:
            bar.close(failed=True)
            raise
        bar.close()
        for kind_name, counts in outcome.summary.items():
            self.stdout.write(
                f"{kind_name}: {counts['rows']} rows — {counts['create']} new, "
                f"{counts['update']} changed, {counts['unchanged']} unchanged"
            )
        for column in outcome.ignored_columns:
            self.stdout.write(f"ignored column {column}")
        if outcome.problems:
            for p in outcome.problems[:SHOWN_PROBLEMS]:
                where = f"{p.sheet} row {p.row}" + (f", {p.header}" if p.header else "")
                value = f" ({p.value})" if p.value else ""
                self.stdout.write(f"{where}{value}: {p.message}")
            more = len(outcome.problems) - SHOWN_PROBLEMS
            if more > 0:
                self.stdout.write(f"... and {more} more")
            out = Path(errors) if errors else path.with_name(f"{path.stem}-errors.xlsx")
            out.write_bytes(write_annotated(sheets, [p.as_dict() for p in outcome.problems]))
            self.stdout.write(f"{len(outcome.problems)} problems; nothing was written.")
            self.stdout.write(f"The file with the problems marked: {out}")
            sys.exit(1)
        if dry_run:
            self.stdout.write("No problems found (dry run: nothing was written).")
        else:
            self.stdout.write("Imported.")
