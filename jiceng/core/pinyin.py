"""Pinyin of personal names for search: 张三 → ("zhangsan", "zs").

The leading surname is read as a surname (单 → shan, 曾 → zeng, 区 → ou).
Results are cached per name, so bulk work (imports, the demo) pays once per distinct name.
"""

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's most common reading.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "查": "zha",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "缪": "miao",
    "盖": "ge",
    "员": "yun",
    "秘": "bi",
    "种": "chong",
    "召": "shao",
    "繁": "po",
    "尉": "yu",
    "柏": "bai",
    "祭": "zhai",
    "隗": "wei",
    "长孙": "zhang sun",
    "尉迟": "yu chi",
    "万俟": "mo qi",
    "澹台": "tan tai",
    "令狐": "ling hu",
}


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def _plain(reading: str) -> str:
    """A tone-marked reading as NORMAL-style letters (ü written v, as lazy_pinyin does)."""
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], dict[str, list[list[str]]]]:
    """pypinyin's own data: each character's readings (most common first) and its phrase
    dictionary, which settles polyphonic characters (长江 → chang jiang)."""
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict, phrases_dict


_plain_of: dict[str, str] = {}


def _plain_cached(reading: str) -> str:
    plain = _plain_of.get(reading)
    if plain is None:
        plain = _plain_of[reading] = _plain(reading)
    return plain


def _readings(text: str) -> list[str] | None:
    """Syllables of `text` by greedy longest phrase match, then single characters; None when a
    character has no reading (a name with letters or a middle dot goes the slow way)."""
    chars, phrases = _tables()
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in (4, 3, 2):
            found = phrases.get(text[i : i + size]) if i + size <= len(text) else None
            if found is not None:
                out += [_plain_cached(r[0]) for r in found]
                i += size
                break
        else:
            reading = chars.get(ord(text[i]))
            if reading is None:
                return None
            out.append(_plain_cached(reading.split(",", 1)[0]))
            i += 1
    return out


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII letters only.

    Names are read from pypinyin's tables directly (a few microseconds; `lazy_pinyin`'s
    segmenter costs ~100 µs a name, 15 s for a city's 150,000 distinct names on import);
    names with characters outside the tables go through `lazy_pinyin`.
    """
    name = (name or "").strip()
    if not name:
        return "", ""
    syllables: list[str] = []
    rest = name
    for surname in (name[:2], name[:1]):
        reading = SURNAME_READINGS.get(surname)
        if reading:
            syllables += reading.split()
            rest = name[len(surname) :]
            break
    fast = _readings(rest)  # already plain letters
    if fast is None:
        slow = lazy_pinyin(rest, style=Style.NORMAL, errors="ignore", v_to_u=False)
        fast = [letters for letters in map(_letters, slow) if letters]
    syllables += fast
    return "".join(syllables), "".join([s[0] for s in syllables if s])
