"""Writing many registry rows at once, for imports: plain INSERTs with executemany (COPY
on PostgreSQL) and the django-simple-history rows a model save would have written.

Values are given by attribute name and prepared once per column kind, not through model
instances: a 20,000-row import writes some 300,000 rows.
"""

PASSTHROUGH = {"CharField", "TextField", "BinaryField", "PositiveIntegerField", "IntegerField"}


def insert_plain(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT rows of values (by attribute name) with executemany (COPY on PostgreSQL):
    for the tens of thousands of actors, licences, digests and event links of one import,
    without building a model instance, or preparing a plain value, for each."""
    from django.db import connection

    by_name = {f.attname: f for f in model._meta.concrete_fields}
    columns = [by_name[name] for name in fields]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - our own names
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    plain = [f.get_internal_type() in PASSTHROUGH for f in columns]
    prepared = [
        [
            value if keep or value is None else f.get_db_prep_save(value, connection)
            for f, keep, value in zip(columns, plain, row, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: one stream instead of a statement a row
            table = connection.ops.quote_name(model._meta.db_table)
            names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        for start in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[start : start + 5000])


def insert_with_history(model, objects: list, *, by, at) -> None:
    """Insert new rows and their django-simple-history "created" rows, in bulk."""
    if not objects:
        return
    fields = tuple(f.attname for f in model._meta.concrete_fields)
    insert_plain(model, fields, [tuple(getattr(obj, name) for name in fields) for obj in objects])
    history(model, objects, "+", by=by, at=at)


def history(model, objects: list, kind: str, *, by, at) -> None:
    """django-simple-history rows ("+" created, "~" changed) for rows written in bulk."""
    if not objects:
        return
    fields = tuple(f.attname for f in model._meta.concrete_fields)
    extra = ("history_date", "history_type", "history_user_id", "history_change_reason")
    user_id = getattr(by, "pk", None)
    insert_plain(
        model.history.model,
        fields + extra,
        [
            tuple(getattr(obj, name) for name in fields) + (at, kind, user_id, None)
            for obj in objects
        ],
    )
