"""`jiceng disable-idle-accounts`: disable every account with neither a login nor an API
token use for JICENG_ACCOUNT_IDLE_DAYS (90) days; each is recorded ("user_disable") and its
sessions end. Run it daily (cron or a systemd timer; docs in README.md):

    jiceng disable-idle-accounts [--days N] [--dry-run]
"""

from django.core.management.base import BaseCommand, CommandError

from jiceng.accounts import security


class Command(BaseCommand):
    help = "Disable accounts unused for JICENG_ACCOUNT_IDLE_DAYS (default 90) days. Run daily."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="idle days (default the setting)")
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, days, dry_run, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        days = security.account_idle_days() if days is None else days
        users = security.disable_idle_accounts(days, dry_run=dry_run)
        for user in users:
            last = user.last_login.isoformat() if user.last_login else "never"
            self.stdout.write(f"{user.username}\tlast login {last}")
        verb = "would disable" if dry_run else "disabled"
        self.stderr.write(f"{verb} {len(users)} account(s) idle for {days} days or more")
