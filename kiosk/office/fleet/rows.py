"""Rows read and written without building ORM queries, for the screens' API (200 requests a second).

Django spends ~0.6 ms of CPU compiling each ORM query, more than the database takes to answer a
lookup by key.  These helpers write the SQL directly and convert values exactly as the ORM does:
the fields' ``get_db_prep_save`` on the way in, the backend's and the fields' converters on the
way out.  Conditions are ``(field, operator, value)`` with ``=``, ``>=`` or ``<=``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

Where = Sequence[tuple[str, str, Any]]
_OPERATORS = ("=", ">=", "<=")


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _where(model: type[Model], where: Where) -> tuple[str, list[Any]]:
    q = connection.ops.quote_name
    parts, params = [], []
    for name, op, value in where:
        if op not in _OPERATORS:
            raise ValueError(f"operator {op!r}")
        field = _field(model, name)
        parts.append(f"{q(field.column)} {op} %s")
        params.append(field.get_db_prep_value(value, connection, prepared=False))
    return " AND ".join(parts), params


def select(model: type[Model], columns: Sequence[str], where: Where, *,
           for_update: bool = False) -> list[dict[str, Any]]:
    """``columns`` of the rows matching ``where``, converted as the ORM would."""
    q = connection.ops.quote_name
    fields = [_field(model, c) for c in columns]
    condition, params = _where(model, where)
    sql = f"SELECT {', '.join(q(f.column) for f in fields)} FROM {q(model._meta.db_table)} WHERE {condition}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cols = [f.get_col(model._meta.db_table) for f in fields]
    converters = [(*connection.ops.get_db_converters(c), *c.get_db_converters(connection)) for c in cols]
    out = []
    for row in rows:
        item = {}
        for name, col, convert, value in zip(columns, cols, converters, row, strict=True):
            for step in convert:
                value = step(value, col, connection)
            item[name] = value
        out.append(item)
    return out


def select_row(model: type[Model], columns: Sequence[str], key: str, value: Any,  # noqa: ANN401
               *, for_update: bool = False) -> dict[str, Any] | None:
    """``columns`` of the row whose unique ``key`` is ``value``, or None."""
    found = select(model, columns, [(key, "=", value)], for_update=for_update)
    return found[0] if found else None


def update_row(model: type[Model], pk: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` (field name -> Python value) on the row ``pk``."""
    q = connection.ops.quote_name
    fields = [_field(model, name) for name in values]
    sets = ", ".join(f"{q(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)]
    pk_column = model._meta.pk.column if model._meta.pk is not None else "id"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(pk_column)} = %s", [*params, pk])


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``columns``) in one prepared statement run per row."""
    if not rows:
        return
    q = connection.ops.quote_name
    fields = [_field(model, c) for c in columns]
    sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    params = [[f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
