"""Settings of the import benchmark (benchmarks/import_job.py): the local settings with the per-file row cap
raised to the 50,000 rows of issue 11 (the default cap, core/excel.py, is 20,000 rows a file)."""

from countyhall.config.settings.local import *  # noqa: F403

COUNTYHALL_IMPORT_MAX_ROWS = 60_000
COUNTYHALL_IMPORT_MAX_BYTES = 30 * 1024 * 1024
