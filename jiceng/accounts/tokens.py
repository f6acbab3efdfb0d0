"""API tokens: issue (the raw key is shown once, only its SHA-256 is kept), revoke, authenticate."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User, hash_token

# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def token_issue(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Required")]})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": [_("Too long")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("Must be in the future")]})
    if not user.is_active:
        raise ValidationError({"user": [_("This user is not active")]})
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_token(raw), hint=raw[-4:], expires_at=expires_at
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User | None, token: ApiToken) -> None:
    """Delete a token: its owner or a superuser may (`actor=None` is a trusted caller)."""
    if actor is not None and not actor.is_superuser and actor.pk != token.user_id:
        raise PermissionDenied(_("You may only revoke your own tokens"))
    ApiToken.objects.filter(pk=token.pk).delete()


def token_authenticate(raw: str) -> User | None:
    """The active user a raw key belongs to, or None if unknown, revoked or expired."""
    if not raw or not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=token.pk,
        ).update(last_used_at=now)
    return token.user
