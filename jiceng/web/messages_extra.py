"""Messages raised as plain strings by pure code (jiceng.core.idnumber, jiceng.orgs.rules) and
translated where they are shown (`_(str(exc))`, `_(problem)`): listed here so makemessages
puts them in the catalogue. Keep in step with those modules."""

from django.utils.translation import gettext_noop

MESSAGES = (
    # jiceng.core.idnumber.parse
    gettext_noop("must be 17 digits followed by a digit or X (18 characters)"),
    gettext_noop("the birth date inside the number is not a real date"),
    gettext_noop("the birth date inside the number is in the future or implausible"),
    gettext_noop("wrong check character (expected %(expected)s)"),
    # jiceng.orgs.rules.parent_problem
    gettext_noop("only the city committee has no parent"),
    gettext_noop("a branch cannot contain other organisations"),
    gettext_noop("the city committee cannot be placed under another organisation"),
)
