# The README's two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint audit load drills translations translations-extract translations-update translations-compile bench clean

# venv's bundled setuptools (65.5 on Python 3.11) has published advisories; nothing here needs the old one.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/crm serve --demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check crm tests bench config
	$(BIN)/ruff format --check crm tests bench config

# pip-audit over the installed dependencies (needs the advisory service; fails loudly without it) and bandit.
audit: $(VENV)/.installed-test
	$(BIN)/python .ci/audit.py

translations-extract: $(VENV)/.installed-app
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o crm/translations/messages.pot --no-location --sort-output .

translations-update: translations-extract
	$(BIN)/pybabel -q update -i crm/translations/messages.pot -d crm/translations --no-fuzzy-matching --ignore-obsolete

translations-compile: $(VENV)/.installed-app
	$(BIN)/pybabel compile -d crm/translations --statistics

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Load test (50 staff for 60 s against gunicorn on PostgreSQL and on SQLite) and fault drills (worker and
# scheduler killed, PostgreSQL restarted, backup under load). Each uses its own throwaway database and server.
load: $(VENV)/.installed-test
	$(BIN)/python -m bench.load $(LOAD_ARGS)

drills: $(VENV)/.installed-test
	$(BIN)/python -m bench.drills $(DRILLS_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
