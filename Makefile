# Set-up and entry points. `make run` and `make test` each create the virtual environment
# on first use (pinned dependencies; torch and torchvision install from PyPI).
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= all

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

.PHONY: help run fashion test unit lint config-docs
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

run: $(VENV)/installed  ## run the whole workflow on config.yaml
	$(VENV)/bin/snakemake --cores $(CORES)

FASHION_MNIST := /usr/share/datasets/fashion-mnist
fashion: $(VENV)/installed  ## the paper's study on real Fashion-MNIST (config/fashion_mnist.yaml)
	@test -f $(FASHION_MNIST)/t10k-labels-idx1-ubyte.gz || { echo "Fashion-MNIST is not in \
	$(FASHION_MNIST): install it with 'apt-get install dataset-fashion-mnist'"; exit 1; }
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/fashion_mnist.yaml

test: $(VENV)/installed  ## run the whole test suite
	$(VENV)/bin/pytest

unit: $(VENV)/installed  ## the unit tests alone (no Snakemake runs)
	$(VENV)/bin/pytest -m "not workflow"

lint: $(VENV)/installed  ## ruff, snakefmt, snakemake --lint and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/mypy

config-docs: $(VENV)/installed  ## write config/README.md from the config schema
	PYTHONPATH=workflow $(PY) -m ddd.config_docs config/README.md
