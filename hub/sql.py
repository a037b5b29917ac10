"""Plain SQL for the statements of every push and every delivery claim, written once and
portable (PostgreSQL, SQLite).

A push or a claim runs a handful of statements; composing them through the ORM cost more CPU
than the database spent answering them (docs/performance.md). Values still go through each model
field's own conversion (`pre_save`, `get_db_prep_save`), so what is stored is what the ORM
would have stored.
"""

import functools

from django.db import connections
from django.db.models.functions import Now
from django.db.models.sql import Query


class DatabaseNow(Now):
    """The database's clock. SQLite's has milliseconds while the hub stores microseconds: a
    moment stored from Python a fraction of a millisecond ago would still be in the future
    (a delivery queued just now not yet due, left to the sweeper), so on SQLite this is the
    last microsecond of the current millisecond."""

    def as_sqlite(self, compiler, connection, **extra_context):
        now, params = super().as_sqlite(compiler, connection, **extra_context)
        return f"({now} || '999')", params


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


class Changed(Exception):
    """The row to update is no longer the version that was read: another write came between."""


def write_statement(
    instance, using: str = "default", upsert_on=(), unchanged_since=None
) -> tuple[str, list]:
    """The `INSERT` of a new model instance or the `UPDATE` of every column of a stored one
    (as `save()` writes them), `RETURNING id` and whether the row was inserted.

    `upsert_on` (PostgreSQL): the columns of a unique constraint. A new instance is then written
    without the stored row having been read: a row with the same values there gets every other
    column, except those set only at creation (`auto_now_add`). `unchanged_since`
    (PostgreSQL): the row's version (`xmin`) when it was read; a stored instance is then
    updated only if its row is still that version, and the statement returns no row if not."""
    connection = connections[using]
    quote = connection.ops.quote_name
    if instance.pk is None:
        columns, values = _columns_and_values(instance, using)
        insert = (
            f"INSERT INTO {table(type(instance), using)} ({', '.join(columns)}) "
            f"VALUES ({placeholders(values)})"
        )
        if not upsert_on:
            return f"{insert} RETURNING id, TRUE", values
        fields = instance._meta.concrete_fields
        updated = [
            quote(field.column)
            for field in fields
            if not field.primary_key
            and field.attname not in upsert_on
            and not getattr(field, "auto_now_add", False)
        ]
        return (
            f"{insert} ON CONFLICT ({', '.join(quote(column) for column in upsert_on)}) "
            f"DO UPDATE SET {', '.join(f'{column} = EXCLUDED.{column}' for column in updated)} "
            "RETURNING id, (xmax = 0)",  # xmax is 0 in a row version this statement inserted
            values,
        )
    columns, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f"{quote(field.column)} = %s")
        values.append(field.get_db_prep_save(field.pre_save(instance, False), connection))
    unchanged, version = (
        (" AND xmin::text = %s", [unchanged_since]) if unchanged_since else ("", [])
    )
    return (
        f"UPDATE {table(type(instance), using)} SET {', '.join(columns)} WHERE id = %s"
        f"{unchanged} RETURNING id, FALSE",
        [*values, instance.pk, *version],
    )


def stored(instance, pk, using: str, inserted: bool) -> None:
    """Mark an instance as written (as after `save()`); `instance.inserted` says whether the
    write made a new row."""
    instance.pk = pk
    instance._state.adding, instance._state.db = False, using
    instance.inserted = bool(inserted)


def insert_with_rows(
    model,
    values: dict,
    rows_model,
    rows_values: dict,
    parent_column: str,
    source_column: str,
    source_sql: str,
    source_params,
    along=None,
    upsert_on=(),
    unchanged_since=None,
    using: str = "default",
) -> tuple[int, list]:
    """INSERT one row of `model`, and one row of `rows_model` per row of `source_sql`
    (`SELECT id ...`) with `parent_column` set to the new row's id and `source_column` to that
    source row's id. `values` and `rows_values` map columns to values ready for the database.
    Returns the new row's id and the source ids. `along`: a model instance written by the
    same statement (`write_statement`, with `upsert_on` and `unchanged_since`), its primary
    key set; the row of `model` is inserted after it, so that rows of `model` follow the
    order of its writes, and not at all if it was not written (`Changed`).

    On PostgreSQL one statement (a data-modifying CTE), elsewhere two: each statement's round
    trip costs the web process more CPU than composing it."""
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in values)
    rows_columns = ", ".join(quote(column) for column in [*rows_values, parent_column])
    rows_columns += ", " + quote(source_column)
    insert_parent = (
        f"INSERT INTO {table(model, using)} ({columns}) "
        f"VALUES ({placeholders(values)}) RETURNING id"
    )
    written, written_values = (
        write_statement(along, using, upsert_on, unchanged_since) if along is not None else ("", [])
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if written:  # after the stored row's write, and so after any lock it waited for
                insert_parent = (
                    f"INSERT INTO {table(model, using)} ({columns}) "
                    f"SELECT {placeholders(values)} FROM written RETURNING id"
                )
            # The outer join keeps the parent's id when the source has no row.
            cursor.execute(
                (f"WITH written AS ({written}), " if written else "WITH ")
                + f"parent AS ({insert_parent}), "
                f"children AS (INSERT INTO {table(rows_model, using)} ({rows_columns}) "
                f"SELECT {placeholders(rows_values)}, parent.id, source.id "
                f"FROM parent, ({source_sql}) source RETURNING {quote(source_column)}) "
                + (
                    "SELECT parent.id, children.*, "
                    + ("written.* " if written else "NULL, NULL ")
                    + "FROM parent LEFT JOIN children ON true"
                    + (", written" if written else "")
                ),
                [*written_values, *values.values(), *rows_values.values(), *source_params],
            )
            rows = cursor.fetchall()
            if written and not rows:
                raise Changed(f"{type(along).__name__} {along.pk}")
            if written:
                stored(along, rows[0][2], using, rows[0][3])
            return rows[0][0], [row[1] for row in rows if row[1] is not None]
        if written:
            cursor.execute(written, written_values)
            pk, inserted = cursor.fetchone()
            stored(along, pk, using, inserted)
        cursor.execute(insert_parent, list(values.values()))
        parent_id = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {table(rows_model, using)} ({rows_columns}) "
            f"SELECT {placeholders(rows_values)}, %s, source.id FROM ({source_sql}) source "
            f"RETURNING {quote(source_column)}",
            [*rows_values.values(), parent_id, *source_params],
        )
        return parent_id, [row[0] for row in cursor.fetchall()]


def compiled(expression, using: str = "default") -> tuple[str, list]:
    """An ORM expression (such as the database's clock, `Now()`) as this database's SQL."""
    connection = connections[using]
    query = Query(None)
    resolved = expression.resolve_expression(query)
    sql, params = query.get_compiler(connection=connection).compile(resolved)
    return sql, list(params)


def from_row(model, row, using: str = "default"):
    """A model instance from a row of `SELECT {columns(model)}`, each value converted as the
    ORM converts it (SQLite's text dates, JSON)."""
    connection = connections[using]
    values = [
        _convert(value, converters, column, connection)
        for value, (column, converters) in zip(row, _converters(model, using), strict=True)
    ]
    return model.from_db(using, [field.attname for field in model._meta.concrete_fields], values)


def _convert(value, converters, column, connection):
    for converter in converters:
        value = converter(value, column, connection)
    return value


@functools.cache
def _converters(model, using: str) -> list[tuple]:
    connection = connections[using]
    result = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        result.append((column, converters))
    return result


def columns(model, alias: str, using: str = "default") -> str:
    """`alias.col, ...` of every concrete field of `model`, in the order `from_row` takes."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)
