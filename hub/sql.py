"""Plain SQL for the statements of a push, written once and portable (PostgreSQL, SQLite).

A push runs a handful of statements; composing them through the ORM cost more CPU than the
database spent answering them (docs/performance.md). Values still go through each model
field's own conversion (`pre_save`, `get_db_prep_save`), so what is stored is what the ORM
would have stored.
"""

from django.db import connections


def table(model, using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


def placeholders(values) -> str:
    """`%s, %s, ...` for an `IN (...)` list (SQLite has no `= ANY(array)`)."""
    return ", ".join(["%s"] * len(values))


def _columns_and_values(instance, using: str, skip=()) -> tuple[list[str], list]:
    """The columns of a new row and their values; NULLs are left out (the column's default),
    as an untyped NULL in a `SELECT` list would be taken for text."""
    connection = connections[using]
    columns, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.attname in skip:
            continue
        value = field.get_db_prep_save(field.pre_save(instance, True), connection)
        if value is not None:
            columns.append(connection.ops.quote_name(field.column))
            values.append(value)
    return columns, values


def insert(instance, using: str = "default") -> None:
    """INSERT a new model instance in one statement and set its primary key."""
    columns, values = _columns_and_values(instance, using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(type(instance), using)} ({', '.join(columns)}) "
            f"VALUES ({placeholders(values)}) RETURNING id",
            values,
        )
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, using  # stored, as after save()


def insert_per_row(
    prototype, column: str, source_sql: str, source_params, using: str = "default"
) -> list:
    """INSERT one copy of `prototype` per row of `source_sql` (`SELECT id ...`), with the
    field `column` (an attname) set to that row's id; returns those ids. One statement."""
    columns, values = _columns_and_values(prototype, using, skip=(column,))
    target = connections[using].ops.quote_name(prototype._meta.get_field(column).column)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(type(prototype), using)} ({', '.join(columns)}, {target}) "
            f"SELECT {placeholders(values)}, source.id FROM ({source_sql}) source "
            f"RETURNING {target}",
            [*values, *source_params],
        )
        return [row[0] for row in cursor.fetchall()]


def update(instance, using: str = "default") -> None:
    """UPDATE every column of a stored model instance (as `save()` does), one statement."""
    connection = connections[using]
    columns, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f"{connection.ops.quote_name(field.column)} = %s")
        values.append(field.get_db_prep_save(field.pre_save(instance, False), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(type(instance), using)} SET {', '.join(columns)} WHERE id = %s",
            [*values, instance.pk],
        )
