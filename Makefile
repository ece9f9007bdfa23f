# Two commands on a fresh machine with Python 3.11+ and make: `make run`, `make test`.
# Without DATABASE_URL both use the embedded PostgreSQL under .data/; with it, that server.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install lock run test lint typecheck pytest openapi demo migrate bench clean

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
# The lock files are resolved once for every Python from 3.11 and every platform (--universal),
# so the newest interpreter that PYTHON finds installs the same versions as CI.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(LOCK_ARGS)

# Exactly the locked versions, each checked against its hash; the project itself goes on top
# without touching them. Setuptools comes from the lock too, hence no build isolation: the
# install downloads nothing that is not pinned and hashed.
$(STAMP): pyproject.toml requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

# Re-resolves after a change to pyproject.toml, keeping every pin that still fits;
# LOCK_ARGS=--upgrade takes the newest of everything, --upgrade-package NAME of one package.
# The development lock also pins the build backend (pyproject's build-system); the runtime
# lock (the Dockerfile's) takes its versions from the development one.
lock: install
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
		| $(UV_COMPILE) pyproject.toml - --extra dev -o requirements-dev.lock
	$(UV_COMPILE) pyproject.toml -c requirements-dev.lock -o requirements.lock

run: install
	$(BIN)/python -m app.cli serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

openapi: install
	$(BIN)/python -m app.cli openapi

migrate: install
	$(BIN)/python -m app.cli migrate

demo: install
	$(BIN)/python -m app.cli demo

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
