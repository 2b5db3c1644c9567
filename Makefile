# Quick start: `make run` serves Lanterne, `make test` runs every test. Nothing else needed:
# both install the Debian packages they need (as root or with passwordless sudo), or stop at
# once saying what to run.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The suite runs on this many processes (pytest-xdist); 1 runs it in this process.
TEST_WORKERS ?= 2

# Debian packages: mat2 removes metadata from office files and audio, and with ffmpeg from
# videos (a phone video carries its place, time and phone); fonts render pages and PDFs;
# chromium runs the browser tests (never `playwright install`); the fault tests start a
# private redis-server of their own.
RUN_PACKAGES := mat2 ffmpeg fonts-dejavu-core
TEST_PACKAGES := $(RUN_PACKAGES) chromium fonts-liberation redis-server

.PHONY: run test lint bench messages clean run-packages test-packages

run-packages:
	@bin/debian-packages $(RUN_PACKAGES)

test-packages:
	@bin/debian-packages $(TEST_PACKAGES)

# Every dependency, pinned with its hashes, from requirements.lock (README, "Dependencies");
# then Lanterne itself, with nothing more.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || bin/debian-packages python3-venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

run: run-packages $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compile_translations
	$(PY) manage.py seed_demo
	$(PY) manage.py serve

test: test-packages $(VENV)/.installed
	$(PY) manage.py compile_translations
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: run-packages $(VENV)/.installed
	$(PY) manage.py compile_translations
	$(PY) bench/run.py

# Refresh the catalogues after changing strings (needs GNU gettext's xgettext). The tests'
# own strings stay out of the catalogues.
messages: $(VENV)/.installed
	@bin/debian-packages gettext
	$(PY) manage.py makemessages --no-location --ignore 'tests/*' --ignore 'bench/*' \
		--ignore '.venv/*' -l fr -l pt -l sw -l en

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
