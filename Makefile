# Deep Learning, Twice: entry points. `make` alone lists them.
SHELL := /bin/bash
PY ?= .venv/bin/python
VENV_BIN := $(abspath .venv/bin)
export PATH := $(VENV_BIN):$(PATH)
export COURSE_PLAIN_PROGRESS ?= 1
export MPLBACKEND ?= Agg
ASSIGNMENT ?= 01_backprop
SUBMISSIONS ?= .course-data/submitted
WORKERS ?= 2
DEVICE ?= cpu
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup lab assignments check-assignments records notebooks demo demo-class-50 grade all test test-fast test-gpu lint format clean-notebooks bench bench-quick clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## create .venv, install everything (pip route), register the kernel, enable nbgrader's lab extensions, install bubblewrap where possible
	bash scripts/setup.sh

lab: ## open JupyterLab on the assignments (students)
	$(VENV_BIN)/jupyter lab --notebook-dir=. --ServerApp.root_dir=. assignments/ $(if $(filter root,$(shell whoami)),--allow-root,)

assignments: ## generate assignments/ from solutions/ with nbgrader (deterministic)
	$(PY) -m autograder release

check-assignments: ## fail if assignments/ is not what solutions/ generates
	$(PY) -m autograder release --check

records: ## trusted reference run of every assignment (cached; needed by hidden checks in self-check mode)
	$(PY) -m autograder reference

notebooks: records ## execute every lecture and solution notebook with papermill and CI parameters
	$(PY) -m autograder.papermill_all --out .course-data/executed

demo: assignments ## write a demo class (reference, blank, mutants) for ASSIGNMENT
	$(PY) -m autograder demo-class $(ASSIGNMENT) --out $(SUBMISSIONS)

grade: ## grade a class: make grade ASSIGNMENT=01_backprop [SUBMISSIONS=dir] WORKERS=2 (no SUBMISSIONS: nbgrader's collected folder)
	$(PY) -m autograder grade $(ASSIGNMENT) $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)) --workers $(WORKERS)

all: assignments notebooks ## the main job: generate, execute every notebook, grade a demo class of every assignment, print the tables
	@for a in $$(ls solutions); do \
	  $(PY) -m autograder demo-class $$a --out .course-data/demo/$$a && \
	  $(PY) -m autograder grade $$a --submissions .course-data/demo/$$a --out .course-data/graded/$$a --workers $(WORKERS) --no-progress && \
	  $(PY) -m autograder verify-demo .course-data/demo/$$a .course-data/graded/$$a || exit 1; \
	done

demo-class-50: assignments ## a mixed class of 50 (correct, blank, mutants, attacks) graded with one command, verdicts verified
	$(PY) -m autograder demo-class $(ASSIGNMENT) --size 50 --attacks --out .course-data/demo50/$(ASSIGNMENT)
	$(PY) -m autograder grade $(ASSIGNMENT) --submissions .course-data/demo50/$(ASSIGNMENT) --out .course-data/graded50/$(ASSIGNMENT) --workers $(WORKERS) --force
	$(PY) -m autograder verify-demo .course-data/demo50/$(ASSIGNMENT) .course-data/graded50/$(ASSIGNMENT)

test: ## the whole test suite (what CI runs)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m autograder.nbclean --check lectures solutions assignments
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: ## unit, contract and format tests (under a minute): no notebook, kernel or browser runs
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m autograder.nbclean --check lectures solutions assignments
	$(PY) -m pytest -n 2 -m "not slow and not gpu and not browser" $(PYTEST_ARGS)

test-gpu: ## the GPU tests only (on a machine with CUDA; skipped elsewhere)
	$(PY) -m pytest -m gpu -p no:xdist

lint: ## ruff over Python files and notebooks
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: ## apply ruff's fixes and formatting, and clean notebooks
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
	$(PY) -m autograder.nbclean lectures solutions assignments

clean-notebooks: ## strip outputs and normalise metadata of every committed notebook
	$(PY) -m autograder.nbclean lectures solutions assignments

bench: ## benchmarks as ratios side by side (DEVICE=cuda on a GPU machine); writes bench-results/
	$(PY) -m bench --device $(DEVICE)

bench-quick: ## the benchmarks in under 2 minutes (smoke)
	$(PY) -m bench --quick --device $(DEVICE)

clean: ## remove runtime data (.course-data) and caches
	rm -rf .course-data bench-results .pytest_cache .ruff_cache
