from django.db import models

from . import crypto


class BinaryCharField(models.CharField):
    """A CharField compared byte-wise on every backend.

    Prefix and range look-ups (`path >= p AND path < p || '~'`, name prefixes) then use a plain
    B-tree index on PostgreSQL whatever the database's locale, as they do on SQLite, whose
    default collation is already BINARY.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


# A character that sorts after every character used in paths and search keys.
PREFIX_END = "\U0010ffff"


def prefix_range(field: str, prefix: str) -> dict:
    """Look-up kwargs matching values that start with `prefix`, as an index range."""
    return {f"{field}__gte": prefix, f"{field}__lt": prefix + PREFIX_END}


class EncryptedTextField(models.TextField):
    """Text stored encrypted (jiceng.core.crypto): plain in Python, ciphertext in the
    database. Rows are found by a separate keyed-hash column, never by this one: every look-up
    but `isnull` is refused, so a filter that could only silently match nothing fails loudly.
    Bulk writers that bypass the ORM encrypt with `crypto.encrypt` themselves."""

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else ""

    def get_db_prep_save(self, value, connection):
        return crypto.encrypt(value or "")

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None
