# report-miner: `make demo` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test fuzz bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/report-miner describe corpora/reports

test: $(STAMP)
	$(BIN)/python -m pytest tests

# 10,000 random texts and 10,000 random files through the whole pipeline (tests/test_fuzz.py).
fuzz: $(STAMP)
	REPORT_MINER_FUZZ=full $(BIN)/python -m pytest tests/test_fuzz.py

# Throughput against bare jieba, cold start, memory and 1 vs N workers on this machine (bench/run.py).
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
