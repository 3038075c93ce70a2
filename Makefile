# Two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint validate console setup clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/lantern run

console: $(STAMP)
	$(BIN)/lantern console

test: $(STAMP)
	$(BIN)/ruff check bot knowledge moderation tests
	$(BIN)/lantern validate
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot knowledge moderation tests

bench: $(STAMP)
	taskset -c 0 $(BIN)/lantern bench

validate: $(STAMP)
	$(BIN)/lantern validate

clean:
	rm -rf $(VENV) build *.egg-info
