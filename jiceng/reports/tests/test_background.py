import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from jiceng.reports import progress, services
from jiceng.reports.models import Snapshot, SnapshotMember, SnapshotStatus

from .helpers import take

pytestmark = pytest.mark.django_db


def test_a_large_scope_is_taken_by_the_background_task(city, monkeypatch):
    from types import SimpleNamespace

    from jiceng.reports import tasks

    queued = []
    real = tasks.build_snapshot
    monkeypatch.setattr(services, "INLINE_LIMIT", 1)
    monkeypatch.setattr(
        tasks,
        "build_snapshot",
        SimpleNamespace(enqueue=lambda pk: (queued.append(pk), real.enqueue(pk))[1]),
    )
    snapshot = take(city, 2025)
    assert queued == [snapshot.pk]
    assert snapshot.is_done and snapshot.members == 2  # the inline backend of the tests ran it


def test_progress_is_shown_while_it_runs(client, city):
    snapshot = Snapshot.objects.create(
        org=city.city,
        year=2025,
        reference_date="2025-12-31",
        root_path=city.city.path,
        root_name=city.city.name,
        status=SnapshotStatus.BUILDING,
    )
    progress.report(snapshot.pk, "members", 3, 4)
    client.force_login(city.city_admin)
    page = client.get(snapshot.get_absolute_url())
    assert 'data-progress="75"' in page.content.decode()
    fragment = client.get(snapshot.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert fragment.templates[0].name == "reports/_progress.html"
    assert (
        client.get(reverse("reports:snapshot_table", args=[snapshot.pk, "sex"])).status_code == 404
    )
    Snapshot.objects.filter(pk=snapshot.pk).update(status=SnapshotStatus.DONE)
    done = client.get(snapshot.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_a_failed_snapshot_keeps_no_rows_and_can_be_started_again(client, city, monkeypatch):
    def broken(snapshot):
        SnapshotMember.objects.create(
            snapshot=snapshot,
            member_id=1,
            org_path="x",
            sex="1",
            ethnicity="01",
            birth_year=1990,
            education="20",
            occupation="03",
            join_year=2010,
            membership="full",
            standing="normal",
        )
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_copy", broken)
        snapshot = take(city, 2025)
    assert snapshot.status == SnapshotStatus.FAILED and "disk full" in snapshot.failure
    assert not SnapshotMember.objects.exists()
    client.force_login(city.viewer)
    rerun = reverse("reports:snapshot_rerun", args=[snapshot.pk])
    assert client.post(rerun).status_code == 403
    client.force_login(city.city_admin)
    assert client.post(rerun).status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.is_done and snapshot.members == 2
    # a complete snapshot is not taken again
    with translation.override("en"), pytest.raises(ValidationError, match="kept unchanged"):
        services.snapshot_rerun(actor=city.city_admin, snapshot=snapshot)
