"""`jiceng apitoken USERNAME --name NAME` prints a new API token (shown this once only).

jiceng apitoken alice --name "statistics export" [--days 90]
jiceng apitoken alice --list
jiceng apitoken alice --revoke 12
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiceng.accounts import tokens
from jiceng.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue, list or revoke a user's API tokens. A new token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--name", help="what the new token is for")
        action.add_argument("--list", action="store_true", help="list the user's tokens")
        action.add_argument("--revoke", type=int, metavar="ID", help="revoke a token by id")
        parser.add_argument("--days", type=int, help="the new token expires after DAYS days")

    def handle(self, *args, username, name, revoke, days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if options["list"]:
            for token in ApiToken.objects.filter(user=user):
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                expires = token.expires_at.isoformat() if token.expires_at else "never"
                self.stdout.write(
                    f"{token.pk}\t…{token.hint}\t{token.name}\tlast used {used}\texpires {expires}"
                )
            return
        if revoke is not None:
            token = ApiToken.objects.filter(user=user, pk=revoke).first()
            if token is None:
                raise CommandError(f"{username} has no token {revoke}")
            tokens.token_revoke(actor=None, token=token)
            self.stderr.write(f"revoked token {revoke}")
            return
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            _token, raw = tokens.token_issue(user=user, name=name, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(raw)
