"""A lean single-row INSERT for the hottest write paths (the canteen check-in).

Model.save() builds its INSERT anew on every call; on a 2-core county server that costs several
times the database round trip. `insert_row` does what save() does for a new row of a model with
an auto-increment primary key (pre_save hooks such as auto_now_add, the fields' own conversion of
values to the database) from a statement built once per model. Constraint violations raise
IntegrityError exactly as save() would.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, models, router


@cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    quote = connections[router.db_for_write(model)].ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {quote(meta.pk.column)}"
    return sql, fields


def insert_row(instance: models.Model) -> models.Model:
    """INSERT `instance` (a new row) and set its primary key; callers own the transaction."""
    alias = router.db_for_write(type(instance))
    connection = connections[alias]
    sql, fields = _insert_sql(type(instance), connection.vendor)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = alias
    return instance
