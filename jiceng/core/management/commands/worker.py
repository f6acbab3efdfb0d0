"""jiceng worker: runs background tasks (imports) as they are queued.

A thin name for django-tasks-db's `db_worker`, with the same options. Like `jiceng serve`, it
runs the database system checks first and refuses a database that is not crash-safe
(jiceng.core.durability).
"""

from django.db import DEFAULT_DB_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorker


class Command(DbWorker):
    help = "Run queued background tasks (imports); stop with Ctrl-C"

    def get_check_kwargs(self, options):
        return {**super().get_check_kwargs(options), "databases": [DEFAULT_DB_ALIAS]}
