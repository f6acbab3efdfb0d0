"""`jiceng load_example_rubric [--year Y]`: the shipped 52-item example rubric (for branches),
as a new version for the year; validated like any rubric."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiceng.accountability import example_rubric, scoring


class Command(BaseCommand):
    help = "Load the 52-item example assessment rubric (RULES.md §10) for a year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        try:
            rubric = scoring.rubric_create(
                actor=None,
                year=year,
                org_kind=example_rubric.ORG_KIND,
                name=example_rubric.NAME,
                categories=example_rubric.categories(),
            )
        except ValidationError as exc:
            raise CommandError(exc.messages) from exc
        self.stdout.write(f"rubric {rubric.pk}: {rubric} with {example_rubric.item_count()} items")
