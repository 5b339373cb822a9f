# yishi — the fixed interfaces of DESIGN §5. Needs only Python >= 3.11.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8000
CASES ?= 20000
PIP = $(BIN)/python -m pip --disable-pip-version-check -qq

.PHONY: demo test test-fast lint install install-dev serve worker messages bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "yishi needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --no-build-isolation -e . 2>/dev/null || $(PIP) install --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PIP) install -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/yishi demo --port $(PORT)

serve: install
	$(BIN)/yishi serve --port $(PORT)

worker: install
	$(BIN)/yishi worker

test: install-dev
	$(BIN)/pytest

test-fast: install-dev
	$(BIN)/pytest -m "not browser"

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install-dev
	cd yishi && ../$(BIN)/django-admin makemessages -l en --no-obsolete --add-location=file \
		--ignore 'tests/*' --ignore '*/tests/*' --settings=yishi.settings.test --pythonpath=..
	$(BIN)/python -m yishi.core.i18n compile

# The city-scale bench (docs/performance.md): make bench, or make bench CASES=5000000 DURATION=10.
DURATION ?= 5
# SQLite (the embedded default) is measured on at most a million cases: loading five million through its
# single writer alone takes over an hour on 2 cores (docs/performance.md).
SQLITE_CASES ?= $(shell [ $(CASES) -gt 1000000 ] && echo 1000000 || echo $(CASES))
# Cache, sessions and jobs in Redis as in a deployment with YISHI_REDIS_URL, when a Redis answers on the
# usual port; its database 9 is the bench's own and is flushed (REDIS= measures without Redis).
REDIS ?= $(shell $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 1)" 2>/dev/null && echo redis://127.0.0.1:6379/9)
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; \
		else echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; fi; }
	$(BIN)/yishi bench --cases $(CASES) --duration $(DURATION) --sqlite --sqlite-cases $(SQLITE_CASES) --json var/bench/latest.json \
		$(if $(REDIS),--redis $(REDIS))

clean:
	rm -rf $(VENV) var/static
