"""The shared view helpers: get_visible_or_404, permitted_actions, add_service_errors."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.web.forms import AutocompleteField, add_service_errors
from jiceng.web.scoping import get_visible_or_404, permitted_actions

pytestmark = pytest.mark.django_db


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("persona", "action", "outcome"),
    [
        ("city_admin", scope.DELETE, "ok"),
        ("county_admin", scope.CHANGE, "ok"),
        ("viewer", scope.VIEW, "ok"),
        ("viewer", scope.CHANGE, PermissionDenied),
        ("secretary", scope.CHANGE, "ok"),
        ("secretary", scope.DELETE, PermissionDenied),
        ("member_user", scope.VIEW, "ok"),
        ("member_user", scope.CHANGE, PermissionDenied),
        ("outsider", scope.VIEW, Http404),
        ("outsider", scope.CHANGE, Http404),
    ],
)
def test_get_visible_or_404(city, persona, action, outcome):
    request = request_for(getattr(city, persona))
    queryset = Member.objects.select_related("org")
    if outcome == "ok":
        assert get_visible_or_404(request, queryset, city.member_a1.pk, action) == city.member_a1
    else:
        with pytest.raises(outcome):
            get_visible_or_404(request, queryset, city.member_a1.pk, action)


def test_outside_scope_is_404_even_for_a_write(city):
    request = request_for(city.county_admin)
    with pytest.raises(Http404):
        get_visible_or_404(request, Organization.objects.all(), city.branch_b1.pk, scope.CHANGE)


def test_permitted_actions(city):
    path = city.branch_a1.path
    assert permitted_actions(city.city_admin, path) == frozenset(scope.ACTIONS)
    assert permitted_actions(city.viewer, path) == {scope.VIEW}
    assert permitted_actions(city.secretary, path) == {scope.VIEW, scope.ADD, scope.CHANGE}
    assert permitted_actions(city.secretary, city.branch_a2.path) == frozenset()
    assert permitted_actions(city.outsider, path) == frozenset()


class _Form(forms.Form):
    name = forms.CharField()
    change = forms.CharField()
    org = AutocompleteField()


def test_add_service_errors_places_messages_beside_fields():
    form = _Form({"name": "x", "change": "y", "org": "3"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError({"name": ["bad name"], "value": ["bad value"], "status": ["dissolved"]}),
        field_map={"value": "change"},
    )
    assert form.errors["name"] == ["bad name"]
    assert form.errors["change"] == ["bad value"]
    assert form.non_field_errors() == ["dissolved"]


def test_autocomplete_field_cleans_a_pk():
    assert _Form({"name": "x", "change": "y", "org": " 12 "}).is_valid()
    form = _Form({"name": "x", "change": "y", "org": "abc"})
    assert not form.is_valid() and "org" in form.errors
