from urllib.parse import urlencode

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from jiceng.core.masking import mask as mask_value

register = template.Library()


@register.filter
def mask(value, field: str) -> str:
    """`{{ member.id_number|mask:"id_number" }}`: personal data, masked one way everywhere."""
    return mask_value(field, value or "")


@register.filter
def counts(org) -> dict:
    """The subtree rollup counts of an organisation (select_related("stats") first)."""
    try:
        return org.stats.counts or {}
    except ObjectDoesNotExist:  # no OrgStats row yet: nothing counted
        return {}


@register.filter
def sub_orgs(org) -> int:
    """Active organisations under `org` (its subtree count minus itself)."""
    total = counts(org).get("orgs", 0)
    return max(total - 1, 0) if org.status == "active" else max(total, 0)


@register.simple_tag
def member_list_url(org, field: str = "", value="") -> str:
    """The member list filtered to the subtree of `org` and, optionally, `field=value`."""
    params = {"org": org.pk}
    if field:
        params[field] = value
    return reverse("members:member_list") + "?" + urlencode(params)


@register.filter
def widget_class(field, css: str):
    """Render a bound field's widget with these CSS classes: `{{ f|widget_class:"form-select" }}`."""
    existing = field.field.widget.attrs.get("class", "")
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def attr(obj, name: str):
    """An attribute named by a variable: `{{ member|attr:field }}`."""
    return getattr(obj, name, "")
