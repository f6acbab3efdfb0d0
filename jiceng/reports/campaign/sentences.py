"""One sentence template per figure key, written from the figure's value and parts.

Each template takes the subject ("全市", "全县", an organisation's name) and the figure's
`Value` and returns a sentence, or None. A figure without a value gets no sentence — never a
made-up number —, nor does a count of zero of something done ("完成0个村" says nothing),
unless the template says what a zero means ("所有党组织均按期换届"); a template that needs parts (villages and communities) falls back to a
sentence on the value alone when the parts are missing. A figure whose key has no template
is still in the report's figure table, with no sentence.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from jiceng.core.figures import Value

from . import numbers as n

Template = Callable[[str, Value], "str | None"]
TEMPLATES: dict[str, Template] = {}


def template(key: str, *, skip_zero: bool = True):
    def wrap(fn: Template) -> Template:
        def guarded(subject: str, value: Value) -> str | None:
            if value.value is None or (skip_zero and not value.value):
                return None
            return fn(subject, value)

        TEMPLATES[key] = guarded
        return fn

    return wrap


def sentence(key: str, subject: str, value: Value) -> str | None:
    fn = TEMPLATES.get(key)
    return fn(subject, value) if fn is not None else None


def _parts(value: Value, *names: str) -> dict[str, str] | None:
    """The named parts as counts, or None if any is missing."""
    parts = value.parts or {}
    if any(parts.get(name) is None for name in names):
        return None
    return {name: n.count(parts[name]) for name in names}


# --- organisation system ---------------------------------------------------------------------


@template("orgs.grassroots")
def _grassroots(subject, v):
    return _("%(subject)s has %(n)s grassroots Party organisations.") % {
        "subject": subject,
        "n": n.count(v.value),
    }


@template("orgs.counties")
def _counties(subject, v):
    return _("It comprises %(n)s county-level units.") % {"n": n.count(v.value)}


@template("orgs.townships")
def _townships(subject, v):
    return _("It comprises %(n)s townships and streets.") % {"n": n.count(v.value)}


@template("elections.renewed")
def _renewed(subject, v):
    parts = _parts(v, "villages", "communities")
    if parts:
        return _(
            "%(subject)s completed the election of the village and community “two committees” "
            "in %(villages)s villages and %(communities)s communities."
        ) % {"subject": subject, **parts}
    return _("%(subject)s completed the renewal of %(n)s Party organisations.") % {
        "subject": subject,
        "n": n.count(v.value),
    }


@template("elections.one_shoulder", skip_zero=False)
def _one_shoulder(subject, v):
    return _(
        "The Party secretary also chairs the village (residents’) committee (“one shoulder”) "
        "in %(pct)s of villages and communities."
    ) % {"pct": n.percent(v.value)}


@template("elections.cross_serving", skip_zero=False)
def _cross_serving(subject, v):
    return _("The cross-serving rate of the “two committees” members is %(pct)s.") % {
        "pct": n.percent(v.value)
    }


@template("elections.terms_overdue", skip_zero=False)
def _terms_overdue(subject, v):
    if not v.value:
        return _("Every Party organisation renewed its committee on time.")
    return _("%(n)s Party organisations have not renewed their committee on time.") % {
        "n": n.count(v.value)
    }


@template("accountability.weak_lax")
def _weak_lax(subject, v):
    parts = _parts(v, "identified", "rectified")
    if parts:
        return _(
            "%(subject)s identified %(identified)s weak and lax Party organisations and "
            "rectified %(rectified)s of them."
        ) % {"subject": subject, **parts}
    return _("%(subject)s identified %(n)s weak and lax Party organisations.") % {
        "subject": subject,
        "n": n.count(v.value),
    }


# --- member system ---------------------------------------------------------------------------


@template("members.total")
def _members(subject, v):
    return _("%(subject)s has %(n)s Party members.") % {"subject": subject, "n": n.count(v.value)}


@template("members.complete")
def _complete(subject, v):
    return _("The basic information of %(n)s members has been collected in full.") % {
        "n": n.count(v.value)
    }


@template("members.mobile")
def _mobile(subject, v):
    return _("%(n)s mobile Party members are registered.") % {"n": n.count(v.value)}


@template("members.lost_contact", skip_zero=False)
def _lost(subject, v):
    if not v.value:
        return _("No member has lost contact with the Party organisation.")
    return _("%(n)s members have lost contact with the Party organisation.") % {
        "n": n.count(v.value)
    }


@template("recruitment.developed")
def _developed(subject, v):
    return _("%(subject)s admitted %(n)s new Party members.") % {
        "subject": subject,
        "n": n.count(v.value),
    }


@template("recruitment.pipeline")
def _pipeline(subject, v):
    parts = _parts(v, "applicants", "activists", "candidates", "probationary")
    if parts:
        return (
            _(
                "In the development pipeline are %(applicants)s applicants, %(activists)s "
                "activists, %(candidates)s candidates for development and %(probationary)s "
                "probationary members."
            )
            % parts
        )
    return _("%(n)s people are in the membership development pipeline.") % {"n": n.count(v.value)}


# --- activity system -------------------------------------------------------------------------


@template("activities.meetings")
def _meetings(subject, v):
    return _("%(subject)s held %(n)s meetings of organisational life.") % {
        "subject": subject,
        "n": n.count(v.value),
    }


@template("activities.compliance", skip_zero=False)
def _compliance(subject, v):
    return _("%(pct)s of Party branches held every required meeting.") % {"pct": n.percent(v.value)}


@template("activities.party_days", skip_zero=False)
def _party_days(subject, v):
    return _("A themed Party day was held in %(pct)s of branch-months.") % {
        "pct": n.percent(v.value)
    }


@template("activities.base_visits")
def _base_visits(subject, v):
    parts = _parts(v, "units", "members")
    if parts:
        return _("%(units)s units and %(members)s members visited Party education bases.") % parts
    return _("Party education bases were visited %(n)s times.") % {"n": n.count(v.value)}


@template("activities.training")
def _training(subject, v):
    return _("%(n)s training topics were offered.") % {"n": n.count(v.value)}


@template("dues.collected")
def _dues(subject, v):
    return _("%(money)s of Party dues were collected.") % {"money": n.money(v.value)}


@template("dues.arrears", skip_zero=False)
def _arrears(subject, v):
    if not v.value:
        return _("No member has left their dues unpaid for six months or more.")
    return _("%(n)s members have left their dues unpaid for six months or more.") % {
        "n": n.count(v.value)
    }


# --- service system --------------------------------------------------------------------------


@template("outreach.centres")
def _centres(subject, v):
    parts = _parts(v, "townships", "villages")
    if parts:
        return (
            _(
                "Party and public service centres were built in %(townships)s townships and "
                "streets and %(villages)s villages and communities."
            )
            % parts
        )
    return _("%(n)s Party and public service centres were built.") % {"n": n.count(v.value)}


@template("outreach.duty_attendance", skip_zero=False)
def _duty(subject, v):
    return _("Cadres on on-site duty were present for %(pct)s of their shifts.") % {
        "pct": n.percent(v.value)
    }


@template("outreach.visits")
def _visits(subject, v):
    return _("%(n)s households were visited.") % {"n": n.count(v.value)}


@template("outreach.resolved", skip_zero=False)
def _resolved(subject, v):
    return _("%(pct)s of the problems raised by residents were resolved.") % {
        "pct": n.percent(v.value)
    }


@template("outreach.teams")
def _teams(subject, v):
    return _("%(n)s village work teams were sent.") % {"n": n.count(v.value)}


@template("outreach.stationed_cadres")
def _stationed(subject, v):
    return _("%(n)s cadres were stationed in villages.") % {"n": n.count(v.value)}


@template("outreach.lifted")
def _lifted(subject, v):
    share = (v.parts or {}).get("share")
    if share is not None:
        return _("%(n)s people were lifted out of poverty, %(share)s of the poor.") % {
            "n": n.count(v.value),
            "share": n.percent(share),
        }
    return _("%(n)s people were lifted out of poverty.") % {"n": n.count(v.value)}


@template("outreach.funds")
def _funds(subject, v):
    return _("%(money)s were raised for poverty alleviation.") % {"money": n.money(v.value)}


@template("outreach.cadres_trained")
def _trained(subject, v):
    return _("%(n)s village cadres were trained.") % {"n": n.count(v.value)}


# --- responsibility system -------------------------------------------------------------------


@template("accountability.projects")
def _projects(subject, v):
    return _("%(n)s “secretary projects” were claimed.") % {"n": n.count(v.value)}


@template("accountability.ledgers")
def _ledgers(subject, v):
    return _("%(n)s problem ledgers were set up.") % {"n": n.count(v.value)}


@template("accountability.problems")
def _problems(subject, v):
    parts = _parts(v, "closed")
    if parts:
        return _("%(n)s problems were found, of which %(closed)s have been rectified.") % {
            "n": n.count(v.value),
            **parts,
        }
    return _("%(n)s problems were found.") % {"n": n.count(v.value)}


@template("accountability.key_tasks")
def _key_tasks(subject, v):
    return _("%(n)s key tasks were set.") % {"n": n.count(v.value)}


@template("accountability.rubric_items")
def _rubric(subject, v):
    return _("The quantitative assessment scores %(n)s items.") % {"n": n.count(v.value)}


@template("accountability.assessed")
def _assessed(subject, v):
    average = (v.parts or {}).get("average")
    if average is not None:
        return _("%(n)s Party organisations were assessed, with an average score of %(score)s.") % {
            "n": n.count(v.value),
            "score": n.count(average),
        }
    return _("%(n)s Party organisations were assessed.") % {"n": n.count(v.value)}
