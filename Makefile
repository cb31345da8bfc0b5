# Set-up and entry points. `make run` and `make test` each create the virtual environment
# on first use (pinned dependencies; torch installs offline on the project machines).
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= all

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

.PHONY: run test lint
run: $(VENV)/installed  ## run the whole workflow on config.yaml
	$(VENV)/bin/snakemake --cores $(CORES)

test: $(VENV)/installed  ## run the test suite
	$(VENV)/bin/pytest

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(VENV)/bin/snakemake --lint
