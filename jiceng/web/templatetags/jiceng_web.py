from urllib.parse import urlencode

from django import forms, template
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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
    """Render a bound field's widget with these CSS classes: `{{ f|widget_class:"form-select" }}`.

    Plain selects are written directly: Django renders each <option> through a template
    include, which made a filter form with ~100 options most of a list page's time."""
    existing = field.field.widget.attrs.get("class", "")
    if field.errors:
        css += " is-invalid"
    css = f"{existing} {css}".strip()
    widget = field.field.widget
    if (
        type(widget) in (forms.Select, forms.NullBooleanSelect)
        and not widget.allow_multiple_selected
    ):
        return _select_html(field, css)
    return field.as_widget(attrs={"class": css})


def _select_html(field, css: str) -> str:
    widget = field.field.widget
    value = field.value()
    selected = {"" if value is None else str(value)}
    if isinstance(widget, forms.NullBooleanSelect):
        shown = widget.format_value(value)  # "true", "false" or "unknown"
        selected = {shown, ""} if shown == "unknown" else {shown}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (v, mark_safe(" selected") if str(v) in selected else "", label)
            for v, label in widget.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}" class="{}">{}</select>',
        field.html_name,
        field.auto_id,
        css,
        options,
    )


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def attr(obj, name: str):
    """An attribute named by a variable: `{{ member|attr:field }}`."""
    return getattr(obj, name, "")


@register.filter
def may_add(user) -> bool:
    """Whether the user adds records anywhere (secretaries, administrators): from the grants
    already loaded for scoping, so the navigation costs no query."""
    from jiceng.core import scope

    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(scope.ADD in scope.ROLE_ACTIONS.get(role, ()) for role, _path in scope.grants(user))
