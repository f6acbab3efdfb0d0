"""`jiceng resetotp USERNAME`: remove a user's authenticator (TOTP) devices — the way back for
someone who lost their phone. Their sessions end; at the next login they enrol a new app.
Recorded as "otp_reset"."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.accounts import security
from jiceng.accounts.models import User
from jiceng.audit.services import record


class Command(BaseCommand):
    help = "Remove a user's authenticator devices; they enrol a new one at the next login."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", default="", help="recorded in the audit log")

    def handle(self, *args, username, reason, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        with transaction.atomic():
            removed, _ = TOTPDevice.objects.filter(user=user).delete()
            sessions = security.end_sessions(user)
            record(
                "otp_reset",
                obj=user,
                data={"via": "resetotp", "reason": reason, "sessions_ended": sessions},
            )
        self.stdout.write(f"{username}: removed {removed} device(s), ended {sessions} session(s)")
