"""Code tables used by the registry and the statistics (RULES.md §7, STAT-03..07).

Stored values are the national codes where a standard exists (GB/T 2261.1 sex, GB/T 3304
ethnicity, GB/T 4658 education); labels are Chinese because they are the codes' official names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):  # GB/T 2261.1
    MALE = "1", "男"
    FEMALE = "2", "女"


ETHNICITIES = [
    ("01", "汉族"),
    ("02", "蒙古族"),
    ("03", "回族"),
    ("04", "藏族"),
    ("05", "维吾尔族"),
    ("06", "苗族"),
    ("07", "彝族"),
    ("08", "壮族"),
    ("09", "布依族"),
    ("10", "朝鲜族"),
    ("11", "满族"),
    ("12", "侗族"),
    ("13", "瑶族"),
    ("14", "白族"),
    ("15", "土家族"),
    ("16", "哈尼族"),
    ("17", "哈萨克族"),
    ("18", "傣族"),
    ("19", "黎族"),
    ("20", "傈僳族"),
    ("21", "佤族"),
    ("22", "畲族"),
    ("23", "高山族"),
    ("24", "拉祜族"),
    ("25", "水族"),
    ("26", "东乡族"),
    ("27", "纳西族"),
    ("28", "景颇族"),
    ("29", "柯尔克孜族"),
    ("30", "土族"),
    ("31", "达斡尔族"),
    ("32", "仫佬族"),
    ("33", "羌族"),
    ("34", "布朗族"),
    ("35", "撒拉族"),
    ("36", "毛南族"),
    ("37", "仡佬族"),
    ("38", "锡伯族"),
    ("39", "阿昌族"),
    ("40", "普米族"),
    ("41", "塔吉克族"),
    ("42", "怒族"),
    ("43", "乌孜别克族"),
    ("44", "俄罗斯族"),
    ("45", "鄂温克族"),
    ("46", "德昂族"),
    ("47", "保安族"),
    ("48", "裕固族"),
    ("49", "京族"),
    ("50", "塔塔尔族"),
    ("51", "独龙族"),
    ("52", "鄂伦春族"),
    ("53", "赫哲族"),
    ("54", "门巴族"),
    ("55", "珞巴族"),
    ("56", "基诺族"),
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
]
HAN = "01"


class Education(models.TextChoices):  # GB/T 4658 top-level codes
    POSTGRADUATE = "10", "研究生"
    BACHELOR = "20", "大学本科"
    COLLEGE = "30", "大学专科"
    SECONDARY_VOCATIONAL = "40", "中等专科"
    HIGH_SCHOOL = "60", "普通高中"
    JUNIOR_HIGH = "70", "初中"
    PRIMARY = "80", "小学"
    OTHER = "90", "其他"


# STAT-03: 大专及以上
TERTIARY = {Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE}


class Occupation(models.TextChoices):  # STAT-04 人员类别
    WORKER = "01", "工人(工勤技能人员)"
    FARMER = "02", "农牧渔民"
    PROFESSIONAL = "03", "企事业单位、社会组织专业技术人员"
    MANAGER = "04", "企事业单位、社会组织管理人员"
    OFFICIAL = "05", "党政机关工作人员"
    STUDENT = "06", "学生"
    OTHER = "07", "其他职业人员"
    RETIRED = "08", "离退休人员"


class OrgCategory(models.TextChoices):  # STAT-05/06 组织类别
    SOE = "01", "国有企业"
    PRIVATE = "02", "非公有制企业"
    RURAL = "03", "农村"
    AGENCY = "04", "党政机关"
    SCHOOL = "05", "学校"
    INSTITUTION = "06", "其他事业单位"
    COMMUNITY = "07", "街道社区"
    SOCIAL = "08", "社会组织"
    OTHER = "09", "其他"


# STAT-03 age bands as (label, lowest age, highest age or None)
AGE_BANDS = [
    ("≤30", 0, 30),
    ("31-35", 31, 35),
    ("36-40", 36, 40),
    ("41-45", 41, 45),
    ("46-50", 46, 50),
    ("51-55", 51, 55),
    ("56-60", 56, 60),
    ("≥61", 61, None),
]


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_BANDS[0][0]


# Joining eras used in the annual statistics tables.
JOIN_ERAS = [
    (_("before 1949"), None, 1949),
    ("1949-1966", 1949, 1966),
    ("1966-1976", 1966, 1976),
    ("1976-2002", 1976, 2002),
    ("2002-2012", 2002, 2012),
    (_("since 2012"), 2012, None),
]


def join_era(year: int) -> str:
    """Eras are [start, end) except the last; labels as the statistics tables print them."""
    for label, start, end in JOIN_ERAS:
        if (start is None or year >= start) and (end is None or year < end):
            return str(label)
    return str(JOIN_ERAS[-1][0])
