"""In a real browser: a township secretary sees a village branch's renewal overdue (ORG-06),
records its election — first an invalid one, refused with the rule of each problem (ELEC-02,
ELEC-03) and nothing written, then a valid one — and the warning clears while the committee
shows its new secretary."""

from datetime import date

from django.urls import reverse

from jiceng.core.testing import build_small_city, make_member, make_user
from jiceng.elections.models import CommitteePost, Election
from jiceng.orgs.models import Organization
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def choose(page, row: int, name: str, pk: int) -> None:
    """Pick a member in the candidate row's autocomplete, as a person types and clicks."""
    page.fill(f"input[name=c{row}_member__search]", name)
    page.click(f"input[name=c{row}_member__search] ~ .autocomplete-options [data-value='{pk}']")


def submit(page):
    page.click("#election-form button[type=submit]")
    page.wait_for_load_state()


def test_a_township_secretary_records_a_branch_election(
    live_server, transactional_db, browser_page
):
    city = build_small_city()
    make_user("town_secretary", role="secretary", org=city.town_b)
    village = city.branch_b1
    Organization.objects.filter(pk=village.pk).update(term_started_on=date(2019, 1, 10))
    full = [make_member(village, name=n) for n in ("林一村", "林二村", "林三村")]
    probationary = make_member(
        village, name="陈预备", membership="probationary", full_member_date=None
    )
    page, base = browser_page, live_server.url

    log_in(page, base, "town_secretary")
    renewals = base + reverse("elections:renewal_list") + f"?org={city.town_b.pk}&level=overdue"
    page.goto(renewals)
    assert village.name in page.inner_text("#renewal-table")  # ORG-06: the term ended in 2024
    page.goto(base + reverse("elections:org_committee", args=[village.pk]))
    assert "ORG-06" in page.inner_text("#term")
    page.click("#record-election")

    # 4 of 5 present is not more than 4/5 (ELEC-03); a probationary member stands (ELEC-02)
    page.fill("#id_held_on", "2025-03-01")
    page.fill("#id_entitled", "5")
    page.fill("#id_present", "4")
    page.fill("#id_ballots_issued", "4")
    page.fill("#id_ballots_returned", "4")
    page.fill("#id_seats", "1")
    choose(page, 0, "陈预备", probationary.pk)
    page.fill("#id_c0_votes", "4")
    submit(page)
    errors = page.inner_text("form#election-form")
    assert "ELEC-03" in errors and "ELEC-02" in errors
    assert not Election.objects.exists()
    assert Organization.objects.get(pk=village.pk).term_started_on == date(2019, 1, 10)

    # a valid one: all five present, a full member elected secretary
    page.fill("#id_present", "5")
    page.fill("#id_ballots_issued", "5")
    page.fill("#id_ballots_returned", "5")
    choose(page, 0, "林一村", full[0].pk)
    page.fill("#id_c0_votes", "5")
    page.select_option("#id_c0_post", "secretary")
    submit(page)
    election = Election.objects.get()
    assert page.url.endswith(election.get_absolute_url())
    assert CommitteePost.objects.get(ended_on__isnull=True).member_id == full[0].pk

    page.goto(base + reverse("elections:org_committee", args=[village.pk]))
    assert "林一村" in page.inner_text("#posts")
    assert "ORG-06" not in page.inner_text("#term")
    page.goto(renewals)
    assert village.name not in page.inner_text("#renewal-table")
