# Two commands do all set-up on a fresh Debian-like machine:
#   make demo   - create .venv, install, play the built-in demo (windowed unless KIOSK_FULLSCREEN=1)
#   make test   - create .venv, install with test tools, run ruff, mypy, lint-imports and the test suite headless
#                 (the office tests twice: SQLite, then a throwaway PostgreSQL cluster)
# and the office console's own one:
#   make office - set up and serve the demo township's office on http://127.0.0.1:8080
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

OFFICE_DIR ?= office-demo
# servers and browser the tests start themselves (Debian packages)
TEST_DEBS := chromium chromium-driver postgresql nginx-light

# what bench/bench_screen.py starts: a real X server without a GPU and the browser it compares with
BENCH_DEBS := xvfb chromium

.PHONY: demo test setup system-deps test-debs bench-debs lint bench bench-screen clean office

system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  if ! $(PY) -c 'import venv, ensurepip' 2>/dev/null || ! fc-list 2>/dev/null | grep -qi microhei; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      python3-venv fonts-wqy-microhei fontconfig >/dev/null; \
	  fi; \
	fi

test-debs:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v nginx >/dev/null \
	     || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEBS) >/dev/null; \
	  fi; \
	fi

bench-debs:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  if ! command -v Xvfb >/dev/null || ! command -v chromium >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_DEBS) >/dev/null; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/kiosk demo $(if $(KIOSK_FULLSCREEN),,--windowed)

lint: setup
	$(BIN)/ruff check kiosk tests bench
	$(BIN)/mypy
	$(BIN)/mypy --config-file kiosk/office/mypy.ini
	$(BIN)/lint-imports --no-cache

test: setup test-debs
	$(BIN)/ruff check kiosk tests bench
	$(BIN)/mypy
	$(BIN)/mypy --config-file kiosk/office/mypy.ini
	$(BIN)/lint-imports --no-cache
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m pytest
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python tests/office/with_postgres.py -- \
	  $(BIN)/python -m pytest tests/office -m "not browser and not servers"

office: setup
	@if [ ! -f $(OFFICE_DIR)/office.toml ]; then $(BIN)/kiosk office init $(OFFICE_DIR) --demo; fi
	$(BIN)/kiosk office serve $(OFFICE_DIR) --host 127.0.0.1 --port 8080

# make bench: every benchmark, the new ones in a short form (~30 min on 2 shared cores); the figures of a report
# come from the long forms in README.md (Benchmarks)
bench: setup bench-debs
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_render.py
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_touch.py
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_led.py
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_layout.py --runs 3
	$(BIN)/python bench/bench_screen.py --seconds 15 --repeat 1 --soak 60
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python bench/bench_scale.py --seconds 30 --touch-runs 1
	$(BIN)/python bench/bench_sync.py --runs 1
	SDL_VIDEODRIVER=dummy $(BIN)/python bench/bench_office.py --runs 5
	$(BIN)/python bench/bench_feedback.py

bench-screen: setup bench-debs
	$(BIN)/python bench/bench_screen.py --seconds 30 --repeat 3 --soak 600

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
