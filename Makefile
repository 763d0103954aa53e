# Portico: `make run` to use it, `make test` to check it. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
SOCKET_IO_JS := static/vendor/socket.io.min.js
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: run test lint format bench audit assets translations messages clean

run: $(VENV)/.runtime assets translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --first-start
	@echo "Portico is starting on http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

# Tests run in one process per core (pytest-xdist); TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= auto
test: $(VENV)/.dev assets translations lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make bench DB=postgresql` runs it on PostgreSQL and Redis; BENCH_ARGS adds options, such as
# `--compare` (both databases in one table) or `--quick`.
DB ?= sqlite
bench: $(VENV)/.dev assets translations
	$(BIN)/python -m bench.run --db $(DB) $(BENCH_ARGS)

# Known vulnerabilities in the pinned dependencies, from the PyPI advisory database (needs
# access to pypi.org's JSON API; where it cannot be reached, every package reads "not found").
PIP_AUDIT := pip-audit==2.10.1
audit: $(VENV)/.dev
	$(BIN)/pip install --quiet $(PIP_AUDIT)
	$(BIN)/pip-audit --strict -r requirements.txt -r requirements-dev.txt

# Front-end libraries come from the npm registry at install time and are never committed.
assets: $(SOCKET_IO_JS)

$(SOCKET_IO_JS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		mkdir -p static/vendor && \
		cp node_modules/socket.io-client/dist/socket.io.min.js $@; \
	else \
		echo "npm is not installed: live updates are off, pages still work by reloading"; \
	fi

# Catalogues are compiled at install time; only the .po files are kept in git.
translations: $(CATALOGUES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/pybabel compile --domain messages --locale $* --directory translations

# Extract every user-facing string into the template and merge it into each catalogue; new
# strings arrive untranslated (shown in English until a translator fills them in).
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs ".* __pycache__ node_modules" \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Portico needs Python 3.11 or newer"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache $(CATALOGUES)
