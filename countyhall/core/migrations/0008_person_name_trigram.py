"""A trigram index for the people search by name (issue 11, docs/benchmarks.md).

The search is `name__icontains`, which Django writes on PostgreSQL as UPPER("core_person"."name"::text) LIKE
UPPER(%s): the index is on that very expression, with pg_trgm's GIN operator class, so a search of three
characters or more (a full name: 王小明) reads the index instead of the county's 93,000 names. One or two
characters have no trigram to look up; they stay a scan (67 ms for the county).

PostgreSQL only: pg_trgm is a trusted extension since PostgreSQL 13 (the database owner may create it). On
SQLite (tests, development) this migration does nothing. The index is not declared on the model, so the model
state and `makemigrations` stay database-neutral.
"""

from django.db import migrations

INDEX = "core_person_name_upper_trgm"
# Chinese names have no case: a search without Latin letters is `name__contains` (name LIKE %s), served by this one.
PLAIN_INDEX = "core_person_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_person USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {PLAIN_INDEX} ON core_person USING gin (name gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {PLAIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_policy_changes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
