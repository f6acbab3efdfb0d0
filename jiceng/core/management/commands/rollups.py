"""`jiceng rollups --check | --rebuild`: compare or recompute every kept state (core.kept):
the subtree counts, the dues accounts, the meetings held and members' last organisational
life."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiceng.core import kept

SHOWN = 50  # differences printed per kind


class Command(BaseCommand):
    help = (
        "Check the kept state (subtree rollups, dues accounts, organisational life) against "
        "the records, or rebuild it."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true")
        group.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            for kind in kept.registered():
                with transaction.atomic():
                    n = kind.rebuild()
                self.stdout.write(f"{kind.name}: rebuilt ({n} rows)")
            return
        differ = []
        for kind in kept.registered():
            diffs = kind.check()
            for diff in diffs[:SHOWN]:
                self.stdout.write(f"{kind.name}: {diff}")
            if diffs:
                differ.append(f"{kind.name} ({len(diffs)})")
            else:
                self.stdout.write(f"{kind.name} agree with the records")
        if differ:
            raise CommandError(
                f"kept state differs from the records: {', '.join(differ)}; run --rebuild"
            )
