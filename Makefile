# lenet_widgets: `make demo` runs the main job, `make test` runs the tests.
# Both create .venv and install the package (with its test tools) on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUTPUT ?= output

.PHONY: install demo test lint lab system-deps benchmarks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; installing python3-venv (Debian/Ubuntu)"; \
	  apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# PYTHONWARNINGS: setuptools' generic 'editable install' banner is noise for a newcomer.
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[cpu,dev,netron]'
	@touch $(STAMP)

install: $(STAMP)

## Main job: train LeNet (MNIST, or the offline fallback), save .keras/.h5/.weights.h5,
## draw model.png and the filter grid lenet_filters_6x6.png into $(OUTPUT)/.
demo: $(STAMP)
	$(BIN)/lenet-widgets demo --output-dir $(OUTPUT)

## Tests: lint, then pytest (unit, integration, widgets, notebooks, browser).
test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check lenet_widgets tests benchmarks

## Graphviz (for engine='graphviz') and Chromium (for browser tests), when root on Debian/Ubuntu.
system-deps:
	@bash scripts/system-deps.sh

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

benchmarks: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(OUTPUT) .pytest_cache .ruff_cache
