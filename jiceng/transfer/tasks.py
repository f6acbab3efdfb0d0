"""Background tasks (django-tasks, database backend; run by `jiceng worker`)."""

from django_tasks import task


@task()
def check_import(job_id: int) -> None:
    from .services import job_check

    job_check(job_id)


@task()
def run_import(job_id: int) -> None:
    from .services import job_run

    job_run(job_id)
