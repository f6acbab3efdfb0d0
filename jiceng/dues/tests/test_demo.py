"""The demo year of dues at a tiny scale: deterministic, with gaps that FEE-12 shows."""

from datetime import date

import pytest

from jiceng.core import findings
from jiceng.demo import build, extensions
from jiceng.dues import accounts, selectors
from jiceng.dues.models import Payment, Standard
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization

AS_OF = date(2026, 11, 15)


@pytest.mark.django_db
def test_demo_builds_a_year_of_dues_with_gaps():
    result = build.build(seed=5, scale=0.003, as_of=AS_OF, parallel=False)
    dues = result.extensions["dues"]
    members = result.members
    assert dues["standards"] > 0.9 * members
    # About 12 months a member (13 months with the current one partly paid, less the gaps).
    assert 11 * dues["standards"] < dues["payments"] < 13 * dues["standards"]
    assert Payment.objects.count() == dues["payments"]
    assert Standard.objects.count() == dues["standards"]
    assert dues["months"] == "2025-11..2026-11"
    root = Organization.objects.get(depth=1)
    found = list(findings.in_subtree(root.path, AS_OF, keys=["dues"]))
    assert any(f.level == findings.Level.OVERDUE for f in found)
    assert any(f.level == findings.Level.DUE_SOON for f in found)
    last = selectors.last_paid_months(root.path)
    assert len(last) > 0.9 * members
    # The kept accounts the demo writes agree with the payments, and the subtree counts too.
    assert dues["accounts"] == dues["standards"]
    assert accounts.check() == []
    assert rollups.check() == []


def test_the_extension_is_registered():
    keys = [e.key for e in extensions.registered()]
    assert "dues" in keys
