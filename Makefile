# Two commands for a newcomer: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Loopback only unless told otherwise: serve it to others behind a TLS proxy (README).
HOST ?= 127.0.0.1

.PHONY: run test lint bench clean-db

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Start the app (creates data/crm_risk.db with demo data on first run).
## Honours PORT, HOST (default 127.0.0.1) and DATABASE_URL; DEMO_DATA=0 (with ADMIN_PASSWORD, or a
## printed one-time password) creates an empty install instead of the demo.
## DEMO_LANGUAGE=zh seeds the demo's texts (risk titles, notes, complaints…) in Chinese.
run: $(VENV)/.installed
	$(PY) scripts/ensure_secrets.py
	$(PY) -m bootstrap
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address $(HOST)

## Lint, then every test suite (installs Chromium and PostgreSQL from Debian if missing).
test: $(VENV)/.dev-installed
	scripts/install_system_deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	scripts/run_tests.sh

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Rebuild the demo database from scratch.
clean-db:
	rm -rf data/crm_risk.db data/crm_risk.db-wal data/crm_risk.db-shm data/crm_risk.db.analytics

## Seed and page timings at 20k and 100k customers (numbers and ratios); a 1,000,000-row
## customer import and as many invoices (time, rows/s, peak memory); then the app at
## 1,000,000 customers: seed, what a data change costs, every page cold and warm, the heaviest
## figures against hand-written SQL, 20 concurrent sessions; duplicate search over 1,000,000
## person records (pairs compared, time, memory, precision and recall); and the app at
## 1,000,000 customers again on PostgreSQL, side by side (about 90 minutes in all).
bench: $(VENV)/.installed
	PYTHONPATH=. $(PY) scripts/bench.py
	PYTHONPATH=. $(PY) scripts/bench_import.py --rows 1000000
	PYTHONPATH=. $(PY) scripts/bench_scale.py --customers 1000000
	PYTHONPATH=. $(PY) scripts/bench_linkage.py --records 1000000 --app
	PYTHONPATH=. pg_virtualenv sh -c '$(PY) scripts/bench_scale.py --customers 1000000 \
	  --database-url "postgresql+psycopg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE"'
