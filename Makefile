# Neopro — the two commands a newcomer needs:
#   make demo   set up and run the whole product on its embedded defaults
#   make test   set up and run every test
.PHONY: setup demo test test-fast lint format bench clean

VENV := .venv
NEOPRO := $(VENV)/bin/neopro
PYTEST := $(VENV)/bin/pytest

setup:
	@scripts/setup.sh dev

demo: setup
	$(NEOPRO) demo

test: setup
	@scripts/ensure-postgres.sh
	$(PYTEST) -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(NEOPRO) bench player

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
