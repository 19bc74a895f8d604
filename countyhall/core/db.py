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


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the model's sequence (PostgreSQL), for rows written by `copy_rows`:
    COPY returns no ids, and the audit rows of an import name the rows they describe. Ids taken and then
    rolled back are skipped, as any aborted INSERT skips them."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(meta.db_table), meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Write `rows` (tuples of database values in `columns` order, primary keys included) with PostgreSQL's
    COPY: several times faster than bulk_create for tens of thousands of rows (no per-object field
    conversion, no array literals). The values must already be what the columns store (a JSON column gets
    its JSON text). Runs in the caller's transaction; constraint violations raise IntegrityError."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        raise RuntimeError("copy_rows is for PostgreSQL; use bulk_create elsewhere")
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """`copy_rows` on PostgreSQL; elsewhere (SQLite) one executemany INSERT, the dates and datetimes put in the
    form the backend stores (as bulk_create would), without building model instances. Leave the primary key
    out of `columns` on SQLite and read the ids back by a unique column (see the elder import)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        copy_rows(model, columns, rows)
        return
    fields = {f.column: f for f in model._meta.concrete_fields}
    adapt = []
    for column in columns:
        kind = fields[column].get_internal_type()
        if kind == "DateTimeField":
            adapt.append(connection.ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapt.append(connection.ops.adapt_datefield_value)
        else:
            adapt.append(None)
    if any(adapt):
        rows = [
            tuple(a(v) if a is not None and v is not None else v for a, v in zip(adapt, row, strict=True))
            for row in rows
        ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# A fixed key of PostgreSQL's advisory locks: "governed policy" (any 64-bit number no other lock of ours uses).
POLICY_LOCK_KEY = 0x63_6F_75_6E_74_79_70_6C  # "countypl"


def policy_lock() -> None:
    """Serialise approving a policy change with approving what a change may not reach back into (a settlement, a
    claim, a permit decision): each takes this lock before its checks, inside its transaction, and holds it to the
    commit. Without it a settlement approved while a change was being approved could commit on both sides of the
    lock check (attack13). PostgreSQL: a transaction-level advisory lock. SQLite runs one writer at a time and
    refuses a stale transaction's write (SQLITE_BUSY), so it needs none."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("policy_lock() is held to the commit: call it inside the service's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POLICY_LOCK_KEY])
