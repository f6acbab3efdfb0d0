from django.db import models

from . import scope


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
