# Two commands do all set-up on a fresh Debian-like machine:
#   make demo   - create .venv, install, play the built-in demo (windowed unless KIOSK_FULLSCREEN=1)
#   make test   - create .venv, install with test tools, run ruff and the test suite headless
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup system-deps lint bench clean

system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  if ! $(PY) -c 'import venv, ensurepip' 2>/dev/null || ! fc-list 2>/dev/null | grep -qi microhei; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      python3-venv fonts-wqy-microhei fontconfig >/dev/null; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/kiosk demo $(if $(KIOSK_FULLSCREEN),,--windowed)

lint: setup
	$(BIN)/ruff check kiosk tests bench

test: setup
	$(BIN)/ruff check kiosk tests bench
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m pytest

bench: setup
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_render.py
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_touch.py
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_led.py
	$(BIN)/python bench/bench_sync.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
