"""Masking of personal data, one way everywhere (RULES.md §9).

Lists, pages, exports and API responses show these; the raw value is shown only to a user with
the unmask permission, one field of one record at a time, with a recorded reason.
"""

PERSONAL_FIELDS = ("id_number", "phone", "address")


def mask_id_number(value: str) -> str:
    """4408**********1234: address prefix and last four; never the birth date digits."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****1234 for mobiles; keep only the last four of anything else."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_address(value: str) -> str:
    """Keep at most the first six characters (city and district), never more than half."""
    if not value:
        return ""
    keep = min(6, len(value) // 2)
    return value[:keep] + "****"


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}


def mask(field: str, value: str) -> str:
    return MASKERS[field](value)
