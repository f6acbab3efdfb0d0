"""Pinyin of personal names for search: 张三 → ("zhangsan", "zs").

The leading surname is read as a surname (单 → shan, 曾 → zeng, 区 → ou).
Results are cached per name, so bulk work (imports, the demo) pays once per distinct name.
"""

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


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII letters only."""
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
    syllables += lazy_pinyin(rest, style=Style.NORMAL, errors="ignore", v_to_u=False)
    syllables = [_letters(s) for s in syllables if _letters(s)]
    return "".join(syllables), "".join(s[0] for s in syllables)
