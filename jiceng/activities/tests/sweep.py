"""The authorisation sweep's expectations for organisational life (see
jiceng/web/tests/sweeping.py)."""

from django.utils import timezone

from jiceng.web.tests.sweeping import (
    ADDERS,
    ANON,
    DENIED,
    HIDDEN,
    NA,
    NOT_ANYWHERE,
    OTHER,
    OWN,
    PERSONAS,
    SCOPED_CHANGE,
    SCOPED_READ,
    Rule,
    any_logged_in,
    by_county,
)

PDF = b"%PDF-1.4\n% jiceng sweep\n%%EOF\n"

# Compliance, plans and training cover a subtree's members: for who holds a role over it (a
# member sees only their own branch and record: 403).
ROLE_READ = {**SCOPED_READ, "member_user": by_county(DENIED, HIDDEN)}

EXPECT = {
    "activities:meeting_list": any_logged_in(),
    # ?org=<branch>: recording there is "add" on the branch; without it, a list of branches.
    "activities:meeting_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "activities:meeting_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "activities:meeting_grades": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "activities:attachment_download": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "activities:compliance": any_logged_in(),
    "activities:compliance_export": any_logged_in(),
    "activities:org_compliance": Rule(default=NOT_ANYWHERE, get=ROLE_READ),
    "activities:plan": Rule(default=NOT_ANYWHERE, get=ROLE_READ),
    # POST only (405 to a GET after the login check)
    "activities:plan_generate": Rule(
        default=NA,
        get=ANON,
        write=True,
        post={**dict.fromkeys(PERSONAS, NOT_ANYWHERE), **SCOPED_CHANGE},
    ),
    # a member does not see the plan (no scope_self): 404 as for an outsider
    "activities:plan_item_edit": Rule(
        default=NOT_ANYWHERE,
        get={**SCOPED_CHANGE, "member_user": NOT_ANYWHERE},
        write=True,
    ),
    "activities:training": Rule(
        default=NOT_ANYWHERE,
        get=ROLE_READ,
        write=True,
        post={"viewer": by_county(DENIED, DENIED)},
    ),
    "activities:lost_contact_list": any_logged_in(),
    "activities:lost_contact_record": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    # the API
    "api:meeting_list": any_logged_in(),
    "api:meeting_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:meeting_create": Rule(default=DENIED, get=ADDERS),
    "api:compliance": Rule(default=NOT_ANYWHERE, get=ROLE_READ),
}
QUERY_OBJECTS = {"activities:meeting_create": ("org", "org_id")}


def objects(city) -> dict:
    """An appraisal meeting with an attachment and a plan item in each county."""
    from jiceng.activities import files, services
    from jiceng.activities.models import Kind

    files.store(PDF, files.digest(PDF))
    out = {}
    for variant, org in ((OWN, city.branch_a1), (OTHER, city.branch_b1)):
        meeting = services.meeting_record(
            actor=None,
            org=org,
            kind=Kind.APPRAISAL,
            held_on=timezone.localdate(),
            topic="民主评议党员",
            attachments=[("纪要.pdf", PDF)],
        )
        item = services.plan_generate(actor=None, org=org, year=timezone.localdate().year)[0]
        out[variant] = {
            "pk": meeting.pk,
            "meeting_id": meeting.pk,
            "attachment_id": meeting.attachments.get().pk,
            "item_id": item.pk,
        }
    return out


API_BODIES = {
    "api:meeting_create": lambda city: {
        "org": city.branch_a1.pk,
        "kind": "party_day",
        "held_on": timezone.localdate().isoformat(),
        "topic": "sweep",
    },
}
