# simlib: two commands matter (see README): `make report` and `make test`.
# Everything else is a convenience. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# Monte Carlo draws of the notebooks under nbval and when their stored outputs are recorded (the parameters cell
# reads SIMLIB_NB_DRAWS; opened in JupyterLab without it, a notebook uses its own default). Both must agree: cells
# tagged nbval-check-output are compared with their stored output.
NB_DRAWS ?= 500
# extra pytest options, e.g. make test PYTEST_ARGS="--durations=30"
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv report test unit nbtest lab notebooks constraints bench screenshots clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  make %-12s %s\n", $$1, $$2}'

# The venv is rebuilt when pyproject.toml or the CI pins change.
$(STAMP): pyproject.toml requirements/ci.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements/ci.txt -e ".[notebooks,test,distributed]"
	@touch $(STAMP)

# The compiled kernels (numba's on-disk cache, __pycache__ next to them) are rebuilt here, once, when their source
# changed since: otherwise each test worker and notebook kernel would compile them on first use.
NUMBA_SRC   := $(wildcard simlib/models/_numba_*.py simlib/scenarios/_numba_*.py)
NUMBA_STAMP := $(VENV)/.numba-compiled
$(NUMBA_STAMP): $(STAMP) $(NUMBA_SRC)
	$(PY) -c "import simlib.models._numba_kernel, simlib.models._numba_checks, simlib.models._numba_reconcile, simlib.models._numba_transfer, simlib.scenarios._numba_combine"  # compile the compiled paths once (cached)
	@touch $@

venv: $(NUMBA_STAMP) ## create .venv and install simlib with pinned dependencies

report: $(NUMBA_STAMP) ## the main job on the bundled cases: reports/<case>/vi and reports/<case>/en
	$(PY) -m simlib report --case tay_ninh_2030 --lang vi,en --out reports/tay_ninh_2030
	$(PY) -m simlib report --case long_an_2025 --lang vi,en --out reports/long_an_2025

test: $(NUMBA_STAMP) ## run every test: the import contract, unit/property tests and the notebooks under nbval
	$(VENV)/bin/lint-imports --no-cache
	SIMLIB_NB_DRAWS=$(NB_DRAWS) MPLBACKEND=Agg $(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder $(NOTEBOOKS) tests \
	  --doctest-modules simlib --ignore-glob="tests/corpus/*.py" \
	  --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

unit: $(NUMBA_STAMP) ## the import contract and unit/property tests (no notebooks)
	$(VENV)/bin/lint-imports --no-cache
	MPLBACKEND=Agg $(PY) -m pytest -n 2 tests --doctest-modules simlib --ignore-glob="tests/corpus/*.py"

nbtest: $(NUMBA_STAMP) ## notebooks only, under nbval
	SIMLIB_NB_DRAWS=$(NB_DRAWS) MPLBACKEND=Agg $(PY) -m pytest -n 2 --dist loadscope --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)

notebooks: $(STAMP) ## re-execute the notebooks in place (refreshes stored outputs; tools/run_notebooks.py)
	SIMLIB_NB_DRAWS=$(NB_DRAWS) $(PY) tools/run_notebooks.py $(NOTEBOOKS)

lab: $(STAMP) ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,) notebooks/

bench: $(STAMP) ## run the benchmarks (prints ratios; not part of make test)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshots: $(STAMP) ## sample report (synthetic) -> check summary.html in headless Chromium at A4 width; shots in build/
	MPLBACKEND=Agg $(PY) tools/sample_report.py build/sample
	$(PY) tools/screenshot.py build/sample/vi/summary.html build/sample/en/summary.html --out build/screenshots --pdf

constraints: ## regenerate requirements/ci.txt from a fresh resolve (deliberate upgrade)
	rm -rf /tmp/simlib-constraints && $(PYTHON) -m venv /tmp/simlib-constraints
	/tmp/simlib-constraints/bin/pip install --quiet -e ".[notebooks,test,distributed]"
	{ head -3 requirements/ci.txt; /tmp/simlib-constraints/bin/pip freeze | grep -v -i '^-e\|^simlib'; } > requirements/ci.txt.new
	mv requirements/ci.txt.new requirements/ci.txt

clean: ## remove the venv and generated reports
	rm -rf $(VENV) reports .pytest_cache
