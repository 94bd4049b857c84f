# The two commands: `make run` and `make test`. Both bootstrap the machine first.
PYTHON ?= python3
ARGS ?=

.PHONY: run test setup stop lint
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

