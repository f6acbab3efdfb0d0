"""`jiceng createadmin`: create an administrator account — the only way one comes to exist
(no migration creates a user, and there is no default password).

    jiceng createadmin --role system|security|audit [--username NAME] [--display-name TEXT]

One of the three separated administrators (docs/architecture.md): organisation
administrators are made in the pages, by the security administrator granting a role.

Interactive (a terminal): asks for the username and twice for the password, which must pass
every rule of AUTH_PASSWORD_VALIDATORS (accounts/passwords.py).

Non-interactive (no terminal, or --no-input): the username and password come from the
environment variables JICENG_ADMIN_USERNAME and JICENG_ADMIN_PASSWORD; a weak password is
refused. Such a password has passed through a deployment's configuration, so the account must
change it at its first login (must_change_password). Nothing secret is printed.

Every administrator must enrol an authenticator app (TOTP) at the first login.
"""

import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiceng.accounts.models import AdminRole, User
from jiceng.audit.services import record

DEFAULT_USERNAMES = {"system": "sysadmin", "security": "secadmin", "audit": "auditadmin"}


class Command(BaseCommand):
    help = (
        "Create one of the three administrators (--role system|security|audit). Asks for the "
        "username and password, or reads JICENG_ADMIN_USERNAME and JICENG_ADMIN_PASSWORD "
        "with --no-input."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            required=True,
            choices=[r.value for r in AdminRole if r.value],
            help="one of the three separated administrators",
        )
        parser.add_argument("--username", help="default: asked, or JICENG_ADMIN_USERNAME")
        parser.add_argument("--display-name", default="", help="name shown in the pages")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="read JICENG_ADMIN_USERNAME / JICENG_ADMIN_PASSWORD; never prompt",
        )

    def handle(self, *args, role, username, display_name, interactive, **options):
        interactive = interactive and sys.stdin.isatty()
        if interactive:
            username = username or self._ask_username(role)
        else:
            username = username or os.environ.get("JICENG_ADMIN_USERNAME", "").strip()
            if not username:
                raise CommandError("--no-input: set JICENG_ADMIN_USERNAME (or pass --username)")
        user = User(username=username, display_name=display_name, admin_role=role)
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if interactive:
            password = self._ask_password(user)
        else:
            password = os.environ.get("JICENG_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("--no-input: set JICENG_ADMIN_PASSWORD")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(
                    "JICENG_ADMIN_PASSWORD is refused: " + " ".join(exc.messages)
                ) from None
            user.must_change_password = True
        user.set_password(password)
        with transaction.atomic():
            if User.objects.select_for_update().filter(username__iexact=username).exists():
                raise CommandError(f"a user {username!r} exists already")
            user.save()
            record(
                "user_create",
                obj=user,
                data={
                    "via": "createadmin",
                    "admin_role": user.admin_role,
                    "must_change_password": user.must_change_password,
                },
            )
        self.stdout.write(f"Created {username} ({AdminRole(role).label}).")
        self.stdout.write(
            "At the first login the account enrols an authenticator app (TOTP)"
            + (" and must change its password." if user.must_change_password else ".")
        )

    def _ask_username(self, role: str) -> str:
        default = DEFAULT_USERNAMES.get(role, "")
        prompt = f"Username [{default}]: " if default else "Username: "
        while True:
            username = input(prompt).strip() or default
            if not username:
                self.stderr.write("A username is required.")
            elif User.objects.filter(username__iexact=username).exists():
                self.stderr.write(f"A user {username!r} exists already.")
            else:
                return username

    def _ask_password(self, user: User) -> str:
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
            if password != again:
                self.stderr.write("The passwords differ.")
                continue
            try:
                validate_password(password, user)
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(message)
                continue
            return password
        raise CommandError("no acceptable password given")
