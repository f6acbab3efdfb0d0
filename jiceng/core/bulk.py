"""Fast set-based writes shared by the demo builder and the importer.

Django's bulk_create builds a model instance per row and converts every field of every one
(measured at 123 s for 322,000 members on SQLite, against 19 s for executemany). Callers that
have already validated their rows as plain tuples write them with `Inserter` instead:
`cursor.executemany` on SQLite and `COPY` on PostgreSQL.
"""

from django.db import connection


class Inserter:
    """INSERT rows (tuples in `columns` order) into a model's table, fast on both backends."""

    def __init__(self, model, columns: tuple[str, ...]):
        meta = model._meta
        qn = connection.ops.quote_name
        fields = [meta.get_field(c) for c in columns]
        self.table = qn(meta.db_table)
        self.cols = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks})"
        self.rows = 0

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)
        self.rows += len(rows)
