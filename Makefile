# Two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast lint validate console setup clean bench chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# -qq: errors only; setuptools' "Editable installation... be careful with folders"
	# banner is a warning pip prints at -q.
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/lantern run

console: $(STAMP)
	$(BIN)/lantern console

# The printable-card test renders pages in Debian's Chromium; install it where missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "Installing Debian's chromium for the card tests"; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/ruff check bot knowledge moderation emulator bench tests
	$(BIN)/hadolint Dockerfile
	$(BIN)/lantern validate
	$(BIN)/python -m pytest

# While working: domain and handler tests only (no emulator, no processes), in seconds.
test-fast: $(STAMP)
	$(BIN)/ruff check bot knowledge moderation emulator bench tests
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check bot knowledge moderation emulator bench tests

# The bench extra adds the peers it measures against (tantivy, bm25s); tests never need it.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	taskset -c 0 $(BIN)/python -m bench

validate: $(STAMP)
	$(BIN)/lantern validate

clean:
	rm -rf $(VENV) build *.egg-info
