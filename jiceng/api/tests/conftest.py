import json

import pytest
from django.test import Client

from jiceng.accounts.models import ApiToken
from jiceng.members.models import Member, StatusChange, UnmaskEvent
from jiceng.orgs.models import Organization, OrgStats


class Api:
    """A JSON client: `api.get(url)`, `api.post(url, data)` … return the response."""

    def __init__(self, client: Client, headers: dict | None = None):
        self.client = client
        self.headers = headers or {}

    def _send(self, method: str, url: str, data=None, **kwargs):
        kwargs = {**self.headers, **kwargs}
        if method == "get":
            return self.client.get(url, data or {}, **kwargs)
        body = json.dumps(data if data is not None else {}, ensure_ascii=False, default=str)
        return getattr(self.client, method)(url, body, content_type="application/json", **kwargs)

    def get(self, url, params=None, **kw):
        return self._send("get", url, params, **kw)

    def post(self, url, data=None, **kw):
        return self._send("post", url, data, **kw)

    def patch(self, url, data=None, **kw):
        return self._send("patch", url, data, **kw)


@pytest.fixture
def as_user(client):
    """as_user(user) → an Api logged in with the session (None = anonymous)."""

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return Api(c)

    return make


def text(response) -> str:
    """The response body as text with non-ASCII unescaped (ninja's JSON escapes it)."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.content.decode()


def snapshot() -> dict:
    """Everything a refused request must leave exactly as it was."""
    return {
        "orgs": list(Organization.objects.order_by("pk").values()),
        "stats": list(OrgStats.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "status_changes": StatusChange.objects.count(),
        "unmask_events": UnmaskEvent.objects.count(),
        "tokens": list(ApiToken.objects.order_by("pk").values()),
    }
