# CĐĐH: `make run` starts the app with demo data, `make test` runs the tests.
# Needs only python3 (3.11+), make and access to PyPI; everything else goes into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
# Reinstall only when the dependencies change, so that reruns start at once.
INSTALLED := $(VENV)/.installed
TRANSLATIONS := cddh/translations
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint install translations clean distclean bench

# The scheduler (overdue marks, reminders, digests) runs beside the dev server and stops
# with it; its job list goes to instance/scheduler.out, its log lines to the terminal.
run: install translations
	$(FLASK) db upgrade
	$(FLASK) cddh demo
	@mkdir -p instance
	@$(FLASK) cddh scheduler > instance/scheduler.out & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	echo "Scheduler started (pid $$scheduler); its runs are on System > Scheduled jobs."; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install translations
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

install: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test]'
	touch $@

# The .mo files are build output (git-ignored); no catalog yet means nothing to compile.
translations: install
	@if ls $(TRANSLATIONS)/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel -q compile -d $(TRANSLATIONS) -f; \
	fi

# Every screen of issue 13 over HTTP (gunicorn) on generated PostgreSQL databases, made by
# bench/generate.py when empty (createdb them first); prints the table with targets. Not
# part of `make test`. BENCH_ARGS=--skip-load skips the load, export and jobs.
BENCH_DB ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
BENCH_DB_10K ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k
BENCH_ARGS ?=
bench: translations
	$(PY) -m pip install --disable-pip-version-check -q -e '.[bench]'
	PYTHONPATH=. $(PY) bench/http.py --db 10k $(BENCH_DB_10K) 10000 \
		--db 1M $(BENCH_DB) 1000000 --jobs --explain bench/explain-1M.md $(BENCH_ARGS)

# Build and test leftovers; the database and secret key in instance/ stay.
clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find $(TRANSLATIONS) -name '*.mo' -delete
	rm -rf .pytest_cache .ruff_cache test-artifacts *.egg-info build dist cddh/_bundled

distclean: clean
	rm -rf $(VENV)
