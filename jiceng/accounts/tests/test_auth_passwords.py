"""The password rules (accounts/passwords.py), one test per rule, through Django's
validate_password and AUTH_PASSWORD_VALIDATORS as every password-setting path uses them."""

from datetime import date

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from jiceng.accounts.models import User
from jiceng.accounts.passwords import (
    CharacterClassesValidator,
    PersonalInfoValidator,
    WeakPasswordValidator,
)
from jiceng.core.testing import PASSWORD, make_member, make_user
from jiceng.demo.build import new_password

GOOD = "Tide-Lantern-7-Harbour"


def codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_a_long_password_of_three_classes_passes(db):
    assert codes(GOOD) == set()
    assert codes(PASSWORD) == set()
    assert codes("quiet river 42 lanterns") == set()  # lower, digits, spaces


def test_at_least_12_characters(db):
    assert "password_too_short" in codes("Tq7-vLp9#xZ")  # 11
    assert "password_too_short" not in codes("Tq7-vLp9#xZa")  # 12


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("alllowercaseletters", 1),
        ("lowercaseand12345678", 2),
        ("UPPERCASE-AND-SYMBOLS", 2),
        ("lower-and-symbols-only", 2),
        ("Mixed-Case-Symbols", 3),
        ("mixedcase12345UPPER", 3),
    ],
)
def test_three_of_four_character_classes(db, password, classes):
    assert CharacterClassesValidator.classes(password) == classes
    assert ("password_too_simple" in codes(password)) == (classes < 3)


@pytest.mark.parametrize(
    "password",
    [
        "Aa123456789",  # 11: short too, but also on the list
        "Aa123456789.",
        "Zhanjiang2017!",  # the city's name and a year
        "zhanjiang@123",
        "P@ssw0rd2024!",  # "password" in l33t
        "Password12345!",
        "Dangyuan#20240701",
        "Woaini1314520",
        "1qaz2wsx3edc",
        "Qwer1234!@#$",  # keyboard runs only
        "Abcdef123456!",
        "Aaaaaa111111!",
        "Iloveyou2024!!",  # a common password with digits around it
    ],
)
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError) as exc:
        WeakPasswordValidator().validate(password)
    assert exc.value.code == "password_too_common"
    assert "password_too_common" in codes(password)


@pytest.mark.parametrize("password", [GOOD, PASSWORD, "Qm7#pLx2-Vr9!tB"])
def test_strong_passwords_are_not_weak(password):
    WeakPasswordValidator().validate(password)


@pytest.fixture
def zhang(city):
    """张三 of the small city (born 1980-05-17, phone 13812345678) with an account."""
    user = make_user("zsan", display_name="张三")
    city.member_a1.user = user
    city.member_a1.save(update_fields=["user"])
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    "password",
    [
        "My-zsan-Account-1",  # username
        "Zhangsan#Party-01",  # name in pinyin
        "SanZhang#Party-01",  # given name first
        "张三-Party-password-9",  # the name itself
        "Born-19800517-ok!",  # birth date from the ID number
        "Born-1980.05.17-ok!",  # … with separators
        "Id-{id_run}-Mark-A",  # a 6-character run of the ID number (its last six)
        "Call-12345678-Me!",  # the phone number's tail
    ],
)
def test_nothing_of_the_users_own(zhang, password):
    password = password.format(id_run=zhang.member.id_number[-6:])
    with pytest.raises(ValidationError) as exc:
        PersonalInfoValidator().validate(password, zhang)
    assert exc.value.code == "password_personal"
    assert "password_personal" in codes(password, zhang)


def test_personal_rule_needs_a_user_and_spares_others(zhang, city):
    assert codes("Zhangsan#Party-01") == set()  # no user: nothing personal to compare
    assert codes("Zhangsan#Party-01", city.viewer) == set()  # not viewer's name
    other = make_member(city.branch_a2, name="王五", born=date(1990, 1, 2))
    assert "password_personal" not in codes("Born-19800517-ok!", other.user)


def test_an_unsaved_user_is_checked_by_username(db):
    user = User(username="newclerk", display_name="李四")
    assert "password_personal" in codes("newclerk-Secret-42", user)
    assert "password_personal" in codes("Lisi-Secret-42-Ok", user)


def test_the_demo_generates_passwords_that_pass():
    for _ in range(50):
        assert codes(new_password()) == set()
