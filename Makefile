# Orbit — the two commands that matter:
#   make up STACK=local    deploy a stack (Pulumi CLI + a reachable cluster/cloud account)
#   make test              every offline check (creates the virtualenvs on first run)

PYTHON       ?= python3
VENV         ?= .venv
CHECKOV_VENV ?= .venv-checkov
STACK        ?= local
OUT          ?= build/render/$(STACK)
BASE         ?= origin/main
PYTEST_ARGS  ?=
DIFF_ARGS    ?=
VERIFY_ARGS  ?=
BIN          := $(VENV)/bin

.PHONY: venv checkov-venv test test-fast render images mirror-list diff docs up preview destroy verify clean help

help:
	@echo "make up STACK=<env>           deploy (pulumi up) with the policy pack; local file backend by default"
	@echo "make preview STACK=<env>      pulumi preview --diff with the policy pack"
	@echo "make test                     every offline check"
	@echo "make render STACK=<env> [OUT=dir]  write resources.json, manifests/, images.txt"
	@echo "make images STACK=<env>       every image the stack deploys, for mirroring"
	@echo "make mirror-list STACK=<env>  'upstream mirror' pairs for skopeo/crane (stacks with imageRegistry)"
	@echo "make diff BASE=<ref> STACK=<env> [DIFF_ARGS=--fail-on-data-risk]  rendered-manifest diff against a git revision"
	@echo "make docs                     regenerate docs/configuration.md and docs/architecture.svg from the code"
	@echo "make verify STACK=<env> [VERIFY_ARGS='--context x --timeout 900']  live smoke checks of a deployed stack"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/bin/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

venv: $(BIN)/.installed
checkov-venv: $(CHECKOV_VENV)/bin/.installed

test: venv checkov-venv
	ORBIT_CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov $(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but the slow whole-stack checks (Checkov, render determinism): for quick iteration.
test-fast: venv
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

render: venv
	$(BIN)/python -m tools.render --stack $(STACK) --out $(OUT)

images: venv
	@$(BIN)/python -m tools.render --stack $(STACK) --images-only

# For a stack with imageRegistry: one "upstream-image mirrored-image" pair per line (docs/airgap.md).
mirror-list: venv
	@$(BIN)/python -m tools.airgap --stack $(STACK) --mirror-list

# The offline rendered-manifest diff between BASE (any git revision) and the working tree, per
# object, with data risks flagged. DIFF_ARGS=--fail-on-data-risk exits 3 on a data risk;
# DIFF_ARGS="--out diff.md" also writes the Markdown (what CI posts on a pull request).
diff: venv
	@$(BIN)/python -m tools.diff --base $(BASE) --stack $(STACK) $(DIFF_ARGS)

# Generated documentation; tests fail when the checked-in files are stale.
docs: venv
	$(BIN)/python -m tools.config_reference
	$(BIN)/python -m tools.architecture

up: venv
	@VENV=$(VENV) tools/live.sh up $(STACK)

preview: venv
	@VENV=$(VENV) tools/live.sh preview $(STACK)

destroy: venv
	@VENV=$(VENV) tools/live.sh destroy $(STACK)

# Live smoke checks of a deployed stack: workloads ready, each enabled service healthy.
verify: venv
	$(BIN)/python -m tools.verify --stack $(STACK) $(VERIFY_ARGS)

clean:
	rm -rf build .pytest_cache
