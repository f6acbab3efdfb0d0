"""Every read of the organisation tree, scoped through restrict()."""

from collections import Counter
from datetime import date

from django.db.models import Q

from jiceng.core import scope
from jiceng.core.codes import AGE_BANDS, ETHNICITIES, HAN, Education, Occupation, OrgCategory, Sex
from jiceng.core.fields import prefix_range

from . import rollups
from .models import BRANCH_KINDS, SEGMENT, Organization, OrgKind, OrgStatus


def orgs_visible_to(user, action: str = scope.VIEW):
    return Organization.objects.restrict(user, action)


def is_whole_tree(path: str) -> bool:
    """Whether the subtree at `path` is the whole tree (the one top organisation): a read over
    it can then leave the subtree condition out and use the records' own indexes. Only a top
    organisation's path (one segment) can be: anything deeper is answered without a query."""
    if len(path) != SEGMENT:
        return False
    roots = Organization.objects.filter(parent__isnull=True).values_list("path", flat=True)
    return list(roots[:2]) == [path]


def subtree_filter(path: str, prefix: str = "") -> dict[str, str]:
    """The filter keeping the records of the subtree at `path` — `prefix` leads to the
    organisation, e.g. "org__" — or none when the subtree is the whole tree (`is_whole_tree`;
    `core.figures.within` is the same for a figure's Scope)."""
    return {} if is_whole_tree(path) else prefix_range(f"{prefix}path", path)


def org_roots_for(user) -> list[Organization]:
    """The top nodes of what the user may see: the orgs of their role assignments (minus ones
    inside another), or their own branch for a plain member."""
    visible = orgs_visible_to(user).select_related("stats")
    if user.is_superuser:
        return list(visible.filter(parent__isnull=True))
    paths = sorted({p for _, p in scope.grants(user)})
    tops = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    if tops:
        return list(visible.filter(path__in=tops))
    return list(visible)


def org_children(user, org: Organization, *, include_dissolved: bool = False):
    qs = orgs_visible_to(user).filter(parent=org).select_related("stats").order_by("path")
    return qs if include_dissolved else qs.filter(status=OrgStatus.ACTIVE)


def org_ancestors(user, org: Organization) -> list[Organization]:
    """Breadcrumbs: the ancestors the user may see, top first (one query)."""
    return list(orgs_visible_to(user).filter(path__in=org.ancestor_paths()[:-1]).order_by("path"))


def branch_choices(user, action: str = scope.ADD):
    """Branch-level organisations a user may place members in (form and API choices)."""
    return orgs_visible_to(user, action).filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)


def org_search(user, text: str, *, limit: int = 20):
    text = (text or "").strip()
    if not text:
        return Organization.objects.none()
    return orgs_visible_to(user).filter(Q(name__contains=text) | Q(short_name__contains=text))[
        :limit
    ]


def age_of_birth_year(year: int, reference: date) -> int:
    """Age at the statistical reference date, 31 December (STAT-01)."""
    return reference.year - year


def summarise(counts: Counter, reference: date) -> dict:
    """Turn rollup counts into the tables of the org page (STAT-03/04/05). Pure."""

    def table(prefix: str, labels: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
        return [(code, str(label), counts.get(f"{prefix}:{code}", 0)) for code, label in labels]

    ages = Counter()
    for key, n in counts.items():
        if key.startswith("birth_year:"):
            ages[_band(age_of_birth_year(int(key[11:]), reference))] += n
    minority = sum(
        n for k, n in counts.items() if k.startswith("ethnicity:") and k != f"ethnicity:{HAN}"
    )
    ethnic_names = dict(ETHNICITIES)
    top_minorities = sorted(
        (
            (k[10:], n)
            for k, n in counts.items()
            if k.startswith("ethnicity:") and k != f"ethnicity:{HAN}"
        ),
        key=lambda kv: -kv[1],
    )[:5]
    total = counts.get("members", 0)
    tertiary = sum(
        counts.get(f"education:{c}", 0)
        for c in (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)
    )
    return {
        "reference": reference,
        "members": total,
        "orgs": counts.get("orgs", 0),
        "grassroots": sum(
            counts.get(f"org_kind:{k}", 0)
            for k in (OrgKind.PRIMARY, OrgKind.GENERAL_BRANCH, *BRANCH_KINDS)
        ),
        "org_kinds": table("org_kind", list(OrgKind.choices)),
        "org_categories": table("org_category", list(OrgCategory.choices)),
        "membership": [
            ("full", "正式党员", counts.get("membership:full", 0)),
            ("probationary", "预备党员", counts.get("membership:probationary", 0)),
        ],
        "standing": [
            ("normal", "正常", counts.get("standing:normal", 0)),
            ("suspended", "停止党籍", counts.get("standing:suspended", 0)),
        ],
        "lost_contact": counts.get("lost_contact", 0),
        "mobile": counts.get("mobile", 0),
        "sex": table("sex", list(Sex.choices)),
        "age_bands": [(label, label, ages.get(label, 0)) for label, _, _ in AGE_BANDS],
        "education": table("education", list(Education.choices)),
        "tertiary": tertiary,
        "occupation": table("occupation", list(Occupation.choices)),
        "ethnicity": [
            ("01", "汉族", counts.get(f"ethnicity:{HAN}", 0)),
            ("minority", "少数民族", minority),
        ],
        "top_minorities": [(code, ethnic_names.get(code, code), n) for code, n in top_minorities],
    }


def _band(age: int) -> str:
    from jiceng.core.codes import age_band

    return age_band(age)


def subtree_summary(org: Organization, reference: date | None = None) -> dict:
    """The org page's figures, from the stored rollup: one query at any level."""
    reference = reference or date(date.today().year, 12, 31)
    return summarise(rollups.subtree_counts(org), reference)
