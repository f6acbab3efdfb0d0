from django.db import models


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
