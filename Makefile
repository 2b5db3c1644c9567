# Quick start: `make run` serves Lanterne, `make test` runs every test. Nothing else needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compile_translations
	$(PY) manage.py seed_demo
	$(PY) manage.py serve

test: $(VENV)/.installed
	$(PY) manage.py compile_translations
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) manage.py compile_translations
	$(PY) bench/run.py

# Refresh the catalogues after changing strings (needs GNU gettext's xgettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --no-location -l fr -l pt -l sw -l en

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
