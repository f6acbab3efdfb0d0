from functools import lru_cache

from django.db import models
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from . import scope

_PK_PLACEHOLDER = 987654321987


@lru_cache(maxsize=256)
def _url_pattern(name: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_PK_PLACEHOLDER]).partition(str(_PK_PLACEHOLDER))
    return head, tail


def object_url(name: str, pk) -> str:
    """reverse(name, args=[pk]) for URL patterns taking one pk, without re-resolving the
    pattern for every row of a list (reverse() was a fifth of a list page's time)."""
    head, tail = _url_pattern(name)
    return f"{head}{pk}{tail}"


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = scope.VIEW):
        return scope.restrict(self, user, action)


class TimeStampedModel(models.Model):
    """Base of every record: creation and change times, and the restricted manager."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        """get_<field>_display() from a label map built once per field; Django rebuilds the
        flattened choices on every call, which cost a list page ~100 dict builds."""
        labels = field.__dict__.get("_jiceng_labels")
        if labels is None:
            labels = field.__dict__["_jiceng_labels"] = {
                make_hashable(value): label for value, label in field.flatchoices
            }
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class RuleParameter(models.Model):
    """One dated value of a rule parameter (core.ruleset); rows are only ever added."""

    name = models.CharField(max_length=80, db_index=True)
    value = models.JSONField()
    effective_from = models.DateField()
    reason = models.TextField()
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "effective_from", "id"]

    def __str__(self):
        return f"{self.name} = {self.value!r} from {self.effective_from}"
