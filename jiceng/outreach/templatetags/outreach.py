from django import template

from jiceng.outreach import selectors

register = template.Library()


@register.inclusion_tag("outreach/_contribution_figures.html", takes_context=True)
def member_contributions(context, member):
    """The member page's card of service contributions (counts the viewer may see)."""
    return {"member": member, "figures": selectors.member_contributions(context["user"], member)}
