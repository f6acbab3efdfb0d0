"""`jiceng rollups --check | --rebuild`: compare or recompute the subtree counts."""

from django.core.management.base import BaseCommand, CommandError

from jiceng.orgs import rollups


class Command(BaseCommand):
    help = "Check the stored subtree rollups against the records, or rebuild them."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true")
        group.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            n = rollups.rebuild()
            self.stdout.write(f"rebuilt the rollups of {n} organisations")
            return
        diffs = rollups.check()
        for org_id, key, stored, computed in diffs[:50]:
            self.stdout.write(f"org {org_id} {key}: stored {stored}, records say {computed}")
        if diffs:
            raise CommandError(f"{len(diffs)} rollup counts differ; run --rebuild")
        self.stdout.write("rollups agree with the records")
