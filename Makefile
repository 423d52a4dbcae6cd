# Two commands do everything on a fresh machine: `make draft` (the main job) and `make test` (the tests).
# Every target first creates or reuses .venv and installs only when pyproject.toml changed (scripts/ensure_venv.sh).
.DEFAULT_GOAL := help
.PHONY: help setup draft test test-local lint eval bench

CODE ?= 29-2072
DRAFT_ARGS ?= --offline
BIN := .venv/bin

help: ## list the targets
	@echo "make draft [CODE=43-6013] [DRAFT_ARGS=...]   the main job: an offline draft (default 29-2072) into drafts/"
	@echo "make test                                     set up and run the test suite (python -m pytest)"
	@echo "make test-local                               the real-model tier: llama-cpp-python + SmolLM2 (builds once, ~5 min)"
	@echo "make lint                                     ruff, ruff format --check, mypy, lint-imports (layering)"
	@echo "make eval                                     judge the offline default against the golden roles (CI gate)"
	@echo "make bench                                    print the start-up and O*NET benchmark figures"
	@echo "make setup                                    only create/refresh .venv (skipped when pyproject.toml is unchanged)"
	@echo "DRAFT_ARGS='--model gpt-4.1' drafts with an LLM instead (see docs/drafting.md)."

setup:
	@sh scripts/ensure_venv.sh

draft: setup
	$(BIN)/drafter draft $(CODE) $(DRAFT_ARGS)

test: setup
	$(BIN)/python -m pytest

test-local: setup  ## drafter against a real model server (docs/local-models.md): installs it first
	$(BIN)/python scripts/local_model.py install
	DRAFTER_TEST_LOCAL=1 $(BIN)/python -m pytest tests/local -p no:cacheprovider

lint: setup
	$(BIN)/ruff check drafter tests scripts benchmarks
	$(BIN)/ruff format --check drafter tests scripts benchmarks
	$(BIN)/mypy drafter
	$(BIN)/lint-imports

eval: setup
	$(BIN)/drafter eval --offline --baseline evals/baselines/offline.json --fail-on-regression

bench: setup
	$(BIN)/python benchmarks/cli_startup.py
	$(BIN)/python benchmarks/onet_lookup.py
