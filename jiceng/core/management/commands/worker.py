"""jiceng worker: runs background tasks (imports) as they are queued.

A thin name for django-tasks-db's `db_worker`, with the same options.
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorker


class Command(DbWorker):
    help = "Run queued background tasks (imports); stop with Ctrl-C"
