# exsitu-course — two commands: `make lab` opens the course, `make test` runs every test.
# Everything installs into .venv from the pinned versions in constraints.txt (the single source of pins;
# binder/requirements.txt and environment.yml are generated from it by `make pins` and checked by tests).

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
UV_VERSION  := $(shell sed -n 's/^uv==//p' constraints.txt)
PORT        ?= 8888
APPS_PORT   ?= 8866
ALLOW_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: lab test install install-test system-deps pins release apps clean help

help:
	@echo "make lab      install the course into .venv and start JupyterLab on the start page"
	@echo "make lab INSTRUCTOR=1  the same with nbgrader's instructor tools (formgrader, create assignment)"
	@echo "make test     install the course and test tools into .venv and run every test"
	@echo "make system-deps  install the Debian packages some tests need (as root with apt-get), or say what is missing"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make grade SUBMISSIONS=<folder or zip>  autograde submissions into grades/ (CSV and feedback)"
	@echo "make pins     re-resolve constraints.txt and regenerate binder/ and environment.yml pins"
	@echo "make hub      JupyterHub for a workshop: each participant their own server with the apps (deploy/README.md)"
	@echo "make apps     serve the workshop apps (apps/) with Voila on http://$(APPS_IP):$(APPS_PORT)/"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.course-installed: $(BIN)/uv constraints.txt pyproject.toml
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.test-installed: $(BIN)/uv constraints.txt pyproject.toml
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt -e ".[test]"
	@touch $@ $(VENV)/.course-installed

install: $(VENV)/.course-installed

install-test: $(VENV)/.test-installed

# A learner's Lab by default; `make lab INSTRUCTOR=1` adds nbgrader's instructor tools. The settings are the
# project's own (jupyter-config/learner or instructor, added to JUPYTER_CONFIG_PATH), never ~/.jupyter.
LAB_ROLE := $(if $(filter-out 0 no false,$(INSTRUCTOR)),instructor,learner)
lab: install
	@echo "Starting JupyterLab ($(LAB_ROLE) tools) on the course start page (notebooks/00-introduction.ipynb)."
	@echo "Open the http://127.0.0.1:$(PORT)/lab/... URL printed below in your browser; Ctrl-C stops it."
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config/$(LAB_ROLE)$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))" \
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) $(ALLOW_ROOT) \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00-introduction.ipynb

# Debian packages some tests need (chromium, bubblewrap, postgresql, npm): installed with apt-get when running as root,
# otherwise one line names what is missing and how to install it, and the tests needing it are skipped.
system-deps:
	@$(PYTHON) tools/system_deps.py --install

test: system-deps install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

release: install
	$(BIN)/python tools/release.py

# Instructors: autograde learners' submissions (a folder or an LMS zip) into grades/; see README "For instructors".
.PHONY: grade
grade: install
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder or zip of learners' notebooks> [GRADE_ARGS=...]"; exit 2; }
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" $(GRADE_ARGS)

pins: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra setup --python-version 3.11 \
		--custom-compile-command "make pins" -o constraints.txt --quiet
	$(BIN)/python tools/sync_pins.py

# Facilitators: the Voila apps (apps/*.ipynb) with apps/voila.json (preheated kernels, no tracebacks, no sources,
# cell timeout, upload limit); see README "For facilitators". APPS_POOL kernels are kept ready per app.
APPS_IP   ?= 127.0.0.1
APPS_POOL ?= 2
apps: install
	@echo "Serving the apps on http://$(APPS_IP):$(APPS_PORT)/ (Ctrl-C stops them)."
	$(BIN)/python -m exsitu.serve apps/ --no-browser --Voila.config_file_paths=apps --port=$(APPS_PORT) \
		--Voila.ip=$(APPS_IP) --pool_size=$(APPS_POOL)

# Many participants: JupyterHub (deploy/jupyterhub/, see deploy/README.md). configurable-http-proxy comes from npm,
# pinned in deploy/jupyterhub/package-lock.json; the hub's own settings come from EXSITU_HUB_* variables.
HUB_PROXY := deploy/jupyterhub/node_modules/.bin/configurable-http-proxy
.PHONY: hub hub-proxy
$(HUB_PROXY): deploy/jupyterhub/package.json deploy/jupyterhub/package-lock.json
	@command -v npm >/dev/null || { echo "hub-proxy: npm is missing; install it with: apt-get install npm"; exit 1; }
	npm ci --prefix deploy/jupyterhub --no-audit --no-fund --loglevel=error
	@touch $@

hub-proxy: $(HUB_PROXY)

$(VENV)/.hub-installed: $(BIN)/uv constraints.txt pyproject.toml
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt -e ".[hub,postgres]"
	@touch $@

hub: $(VENV)/.hub-installed hub-proxy
	$(BIN)/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts deploy/jupyterhub/node_modules
