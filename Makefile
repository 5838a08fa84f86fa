# Two commands: `make serve` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8050
IMAGE  ?=
DATA_DIR ?= $(HOME)/.snt-web
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test bench browser postgres redis clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.app-installed
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

serve: $(VENV)/.app-installed
	$(BIN)/snt-web serve $(IMAGE) --host $(HOST) --port $(PORT) --data-dir "$(DATA_DIR)"

# Headless Chromium and a matching chromedriver for the browser tests, from
# Debian's packages (they are built together, so their versions match).
browser:
	@command -v chromedriver >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# PostgreSQL for the store tests (the fixture starts a private server on a
# loopback port; the system service is not used).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }

# Redis for the Celery job-backend tests (the fixture starts a private server
# on a loopback port; the system service is not used).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server; }

test: $(VENV)/.test-installed browser postgres redis
	$(BIN)/python -m pytest --headless -q

# The benches compare against peers installed with the test extras (skan, kimimaro, dijkstra3d).
bench: $(VENV)/.test-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
