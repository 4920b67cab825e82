# The two commands: `make run` (the app, embedded default) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench screenshots clean var

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing requirements into $(VENV) ..."
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# The embedded default keeps its database, broker queue and beat state here (CLINIC_VAR_DIR moves it).
VAR_DIR := $(or $(CLINIC_VAR_DIR),var)

var:
	@mkdir -p $(VAR_DIR)/broker/processed

# Ctrl-C, `kill <make>`, closing the terminal or the server exiting stops the server and the worker
# together, and waits for them. Both run in the background while the shell waits, because sh runs a trap
# only once its foreground command ends; the trap kills its own two children (not `kill 0`, which also hit
# this shell, re-entering the trap until sh crashed, and whatever script started make).
# Links in the emails point at the port the embedded default serves on (`make run PORT=8102`), unless
# SITE_URL says otherwise.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) var
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (background worker + scheduler running; Ctrl-C stops both)"
	@trap 'trap - INT TERM HUP EXIT; kill $$worker $$web 2>/dev/null; wait' INT TERM HUP EXIT; \
	$(BIN)/celery -A clinic worker -B --pool=solo --loglevel=WARNING -s $(VAR_DIR)/celerybeat-schedule & \
	worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) & \
	web=$$!; \
	wait $$web

test: $(STAMP) var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

screenshots: $(STAMP) var
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q

# One table of every figure beside its target and the public app's (bench/README.md). PostgreSQL and Redis rows
# need a local server (or BENCH_ARGS="--postgres URL"); without one they say "skipped: needs PostgreSQL".
# BENCH_ARGS=--quick leaves out the load test and the PostgreSQL dispatch runs.
bench: $(STAMP) var
	$(BIN)/python bench/report.py $(BENCH_ARGS)

clean:
	rm -rf var/clinic.sqlite3* var/broker var/celerybeat-schedule*
