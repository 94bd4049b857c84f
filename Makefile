# The two commands: `make run` and `make test`. Both bootstrap the machine first.
PYTHON ?= python3
ARGS ?=

.PHONY: run test setup stop lint bench
run:
	@$(PYTHON) -m bootstrap run

test:
	@$(PYTHON) -m bootstrap test $(ARGS)

setup:
	@$(PYTHON) -m bootstrap setup

stop:
	@$(PYTHON) -m bootstrap stop

lint:
	@.venv/bin/ruff check .


# Benchmarks against peers measured in the same run (see bench/). ARGS="--parcels 100000" for a quick one.
bench: setup
	@set -a; . .data/env; set +a; DJANGO_SETTINGS_MODULE=portal.settings.dev .venv/bin/python -m bench $(ARGS)
