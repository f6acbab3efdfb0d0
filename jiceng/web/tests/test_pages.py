"""Home, log in/out, language switch, error pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from jiceng.core.testing import PASSWORD

from .personas import LOGIN, login_as, persona_test

pytestmark = pytest.mark.django_db

test_home_access = persona_test(
    lambda city: reverse("web:home"),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 302,
        "outsider": 200,
    },
)


def test_home_shows_the_roots_of_the_scope(client, city):
    login_as(client, city, "county_admin")
    response = client.get(reverse("web:home"))
    assert [org.pk for org, _summary in response.context["roots"]] == [city.county_a.pk]
    html = response.content.decode()
    assert city.county_a.name in html and city.county_b.name not in html


def test_plain_member_is_sent_to_own_page(client, city):
    login_as(client, city, "member_user")
    response = client.get(reverse("web:home"))
    assert response["Location"] == reverse("members:member_detail", args=[city.member_a1.pk])


def test_outsider_home_is_empty(client, city):
    login_as(client, city, "outsider")
    response = client.get(reverse("web:home"))
    assert response.context["roots"] == []


def test_login_and_logout(client, city):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    # A plain user: an administrator's login has a second step (accounts/tests/test_auth_otp.py)
    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("web:home")).status_code == 302


def test_wrong_password(client, city):
    response = client.post(reverse("login"), {"username": "county_admin", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_login_redirects_to_next(client, city):
    url = reverse("orgs:org_detail", args=[city.branch_a1.pk])
    response = client.get(url)
    assert response["Location"] == f"{reverse('login')}?next={url}"
    response = client.post(
        reverse("login") + f"?next={url}",
        {"username": "secretary", "password": PASSWORD, "next": url},
    )
    assert response["Location"] == url


def test_chinese_by_default_and_english_switch(client, city):
    login_as(client, city, "county_admin")
    # An English browser still gets Chinese until the user switches.
    html = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    with translation.override("zh-hans"):
        chinese = translation.gettext("My scope")
    assert chinese != "My scope", "compile the messages: make / jiceng compilemessages"
    assert chinese in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in html
    assert "My scope" in html and chinese not in html


def test_not_found_page_is_the_sites(client, city):
    login_as(client, city, "outsider")
    response = client.get(reverse("orgs:org_detail", args=[city.branch_a1.pk]))
    assert response.status_code == 404
    assert city.branch_a1.name not in response.content.decode()
