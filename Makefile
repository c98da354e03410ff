# report-miner: `make demo` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test fuzz bench bench-instructions setup browser typecheck dist check-wheel notebooks notebooks-store clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/report-miner describe corpora/reports

test: $(STAMP) browser
	$(BIN)/python -m pytest tests
	$(BIN)/mypy pipeline

# Chromium and a Chinese font for tests/test_show_browser.py, from Debian's packages where this
# user may install them; elsewhere the browser test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
	  || echo "no Chromium here and none installable: the browser test will be skipped"

# 10,000 random texts and 10,000 random files through the whole pipeline (tests/test_fuzz.py).
fuzz: $(STAMP)
	REPORT_MINER_FUZZ=full $(BIN)/python -m pytest tests/test_fuzz.py

# The notebooks read a run's Parquet tables; this run is of the bundled sample reports.
SAMPLE_RUN := build/sample_run
$(SAMPLE_RUN)/tables/documents.parquet: $(STAMP) $(wildcard corpora/reports/*.txt)
	$(BIN)/report-miner run corpora/reports -o $(SAMPLE_RUN) --tables parquet --force

# places_over_years.ipynb follows the invented places of corpora/years/ over their yearly reports.
YEARS_RUN := build/years_run
$(YEARS_RUN)/tables/documents.parquet: $(STAMP) $(wildcard corpora/years/*.txt)
	$(BIN)/report-miner run corpora/years -o $(YEARS_RUN) --tables parquet --force

# Open the notebooks in JupyterLab (the `notebooks` extra) on the sample runs.
notebooks: $(SAMPLE_RUN)/tables/documents.parquet $(YEARS_RUN)/tables/documents.parquet
	$(BIN)/jupyter lab notebooks/

# Rewrite the notebooks from notebooks/build_notebooks.py, execute them, store their outputs.
notebooks-store: $(SAMPLE_RUN)/tables/documents.parquet $(YEARS_RUN)/tables/documents.parquet
	$(BIN)/python notebooks/build_notebooks.py
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

# Throughput against bare jieba, cold start, memory and 1 vs N workers on this machine (bench/run.py).
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The same comparison counted in instructions by callgrind: the same figure whatever the machine's
# load, to judge a change by (bench/instructions.py; needs valgrind).
bench-instructions: $(STAMP)
	$(BIN)/python bench/instructions.py --stages

# The package's annotations checked alone (`make test` checks them too, after the tests).
typecheck: $(STAMP)
	$(BIN)/mypy pipeline

# A wheel and an sdist, as a user outside the repository installs them.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >/dev/null

# The wheel installed in a fresh environment and used from outside the checkout.
check-wheel: dist
	rm -rf build/wheel-venv
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/python -m pip install --quiet dist/*.whl
	cd /tmp && $(CURDIR)/build/wheel-venv/bin/python $(CURDIR)/.ci/smoke_installed.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
