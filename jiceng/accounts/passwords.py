"""Password rules (等保三级 "complexity"), as Django password validators wired in
settings.AUTH_PASSWORD_VALIDATORS, so every path that sets a password — the change-password
page, the admin, `jiceng createadmin` — applies them:

- at least 12 characters (Django's MinimumLengthValidator, min_length 12);
- at least three of the four classes: lower-case, upper-case, digits, other characters
  (CharacterClassesValidator);
- not a weak password (WeakPasswordValidator): Django's list of 20,000 common passwords, a
  list of weak passwords common in China (CHINESE_WEAK), a common or local word with digits
  and symbols around it ("Zhanjiang2017!", "P@ssw0rd2024"), or little but keyboard, alphabet
  and digit runs ("Qwer1234!@#$", "Aa123456789!");
- nothing of the user's own (PersonalInfoValidator): username, display and real names, the
  pinyin of their name (张三 → zhangsan, sanzhang), any 6 consecutive characters of their ID
  number or phone number (so no birth date), as they are in their member record;
- Django's UserAttributeSimilarityValidator (similar to username, names, e-mail).
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiceng.core.pinyin import name_pinyin

# Passwords seen again and again in Chinese leaks and on government systems (lower-case).
CHINESE_WEAK = frozenset(
    {
        "aa123456789",
        "aa1234567890",
        "aa123456789.",
        "aa12345678",
        "aa112233445566",
        "a123456789",
        "a1234567890",
        "abc123456789",
        "abcd12345678",
        "abc@123456789",
        "admin123456",
        "admin@123456",
        "admin1234567",
        "administrator",
        "administrator1",
        "p@ssw0rd1234",
        "password1234",
        "password@123",
        "qwer1234qwer",
        "qwe123qwe123",
        "1qaz2wsx3edc",
        "1qaz@wsx3edc",
        "1qaz!qaz2wsx@wsx",
        "woaini1314520",
        "woaini5201314",
        "5201314woaini",
        "zhanjiang2017!",
        "zhanjiang123456",
        "zhanjiang@123",
        "zj123456789",
        "dangjian123456",
        "dangyuan123456",
        "zuzhibu123456",
        "huawei@123456",
        "huawei123456",
        "root@1234567",
        "test12345678",
    }
)

# Words that, with digits and symbols around them, make a guessable password (lower-case,
# after undoing l33t spellings). Place names, the Party, the platform, "I love you", …
CONTEXT_WORDS = frozenset(
    {
        "zhanjiang",
        "guangdong",
        "zhongguo",
        "china",
        "beijing",
        "shanghai",
        "guangzhou",
        "shenzhen",
        "chikan",
        "xiashan",
        "suixi",
        "leizhou",
        "lianjiang",
        "wuchuan",
        "xuwen",
        "potou",
        "mazhang",
        "dangjian",
        "dangyuan",
        "dangwei",
        "dangzhibu",
        "zhibu",
        "gongchandang",
        "zuzhibu",
        "zuzhi",
        "jiceng",
        "hongqi",
        "renmin",
        "woaini",
        "wodemima",
        "mima",
        "password",
        "admin",
        "administrator",
        "root",
        "test",
        "guest",
        "user",
        "huawei",
        "xiaomi",
        "welcome",
        "iloveyou",
        "hello",
        "qwerty",
        "qwertyuiop",
        "asdfgh",
        "asdfghjkl",
        "zxcvbnm",
    }
)

# Runs of these (forwards or backwards, 3+ characters) or of one repeated character are
# removed before counting what is left of a password.
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "!@#$%^&*()",
    "1qaz2wsx3edc4rfv5tgb",
    "qazwsxedcrfvtgb",
)
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
_SEPARATORS = re.compile(r"[\s\-_./:]")


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, others."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must use at least %(n)d of: lower-case letters, upper-case "
            "letters, digits, other characters.",
            "Your password must use at least %(n)d of: lower-case letters, upper-case "
            "letters, digits, other characters.",
            self.min_classes,
        ) % {"n": self.min_classes}


def _core(password: str) -> str:
    """The password without digits and symbols at either end, lower-case, l33t undone."""
    stripped = re.sub(r"^[^A-Za-z]+|[^A-Za-z]+$", "", password)
    return stripped.lower().translate(_LEET)


def _without_runs(text: str) -> str:
    """`text` (lower-case) with every sequence run of 3+ characters and every character
    repeated 3+ times removed."""
    rest = []
    i = 0
    while i < len(text):
        best = 1
        for j in range(len(text), i + 2, -1):  # longest run first, at least 3
            piece = text[i:j]
            if piece == piece[0] * len(piece) or any(
                piece in seq or piece in seq[::-1] for seq in SEQUENCES
            ):
                best = j - i
                break
        if best == 1:
            rest.append(text[i])
        i += best
    return "".join(rest)


class WeakPasswordValidator(CommonPasswordValidator):
    """Django's common-password list and CHINESE_WEAK, a common or local word padded with
    digits and symbols, and passwords that are little but keyboard/alphabet/digit runs."""

    min_left = 4  # characters left once the runs are removed

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower().strip()
        core = _core(password)
        weak = (
            lowered in self.passwords
            or lowered in CHINESE_WEAK
            or (len(core) >= 3 and (core in self.passwords or core in CONTEXT_WORDS))
            or (len(lowered) <= 128 and len(_without_runs(lowered)) < self.min_left)
        )
        if weak:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        return _("This password is too easy to guess.")

    def get_help_text(self) -> str:
        return _(
            "Your password can't be a commonly used password, a word with digits around it, "
            "or keyboard sequences."
        )


def _windows(text: str, width: int = 6) -> set[str]:
    text = text.lower()
    return {text[i : i + width] for i in range(len(text) - width + 1)}


def personal_fragments(user) -> tuple[set[str], set[str]]:
    """(words, digit windows) of the user that a password must not contain: names, their
    pinyin and the username; 6-character pieces of the ID number and the phone."""
    words: set[str] = set()
    windows: set[str] = set()
    if user is None:
        return words, windows
    names = [getattr(user, "display_name", ""), user.first_name, user.last_name]
    member = None
    if user.pk is not None:
        try:
            member = user.member
        except ObjectDoesNotExist:
            member = None
    if member is not None:
        names.append(member.name)
        windows |= _windows(member.id_number or "")
        windows |= _windows(re.sub(r"\D", "", member.phone or ""))
    words.add(user.get_username())
    words.add((user.email or "").split("@")[0])
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        words.add(name)
        full, _initials = name_pinyin(name)
        words.add(full)
        if len(name) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in name):
            surname, _ = name_pinyin(name[0])
            words.add(full[len(surname) :] + surname)  # 张三 → sanzhang
    return {w.lower() for w in words if w and len(w) >= (2 if not w.isascii() else 3)}, windows


class PersonalInfoValidator:
    """Nothing of the user's own: username, names and their pinyin, 6 consecutive characters
    of the ID number or phone (the user's member record)."""

    def validate(self, password: str, user=None) -> None:
        words, windows = personal_fragments(user)
        lowered = password.lower()
        compact = _SEPARATORS.sub("", lowered)
        if any(word in lowered or word in compact for word in words):
            raise ValidationError(
                _("Your password can't contain your username or name."),
                code="password_personal",
            )
        if windows and any(w in lowered or w in compact for w in windows):
            raise ValidationError(
                _("Your password can't contain part of your ID number or phone number."),
                code="password_personal",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can't contain your username, your name (also in pinyin), or part "
            "of your ID number or phone number."
        )
