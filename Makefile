# The two commands of README.md. Everything they need is installed here, into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format browser messages clean lock hooks

# The whole tree from the hashed lock, pip included: nothing is resolved on the machine that installs.
$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

## make lock: after editing requirements/*.in, re-resolve the hashed locks (pins already in a lock
## stay unless an .in forces a change). Resolved against the public index only (no pip.conf, no
## local wheelhouse or mirror), so every machine writes the same files.
LOCK_ENV := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
  PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock"
PIP_COMPILE := $(LOCK_ENV) $(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --allow-unsafe
lock: install
	$(PIP_COMPILE) --output-file=requirements/base.txt requirements/base.in
	$(PIP_COMPILE) --output-file=requirements/dev.txt requirements/dev.in
	$(PIP_COMPILE) --output-file=requirements/fuzz.txt requirements/fuzz.in

## make hooks: run ruff and ruff format on every commit (.pre-commit-config.yaml).
hooks: install
	$(VENV)/bin/pre-commit install

## make run: the whole shop on the embedded default at http://$(HOST):$(PORT), with demo data.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_periodic_tasks
	@if $(PY) manage.py help seed_demo >/dev/null 2>&1; then $(PY) manage.py seed_demo; fi
	@echo "Shop: http://$(HOST):$(PORT)/   admin: /admin/   API docs: /api/docs/"
	@trap 'kill $$beat 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py beat_inline & beat=$$!; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

## make test: lint, then the whole suite (PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set).
test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Page tests drive Debian's Chromium; install it when we may (root with apt), never a downloaded build.
# A CJK font too, so the screenshots of Chinese pages show characters, not boxes.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && test -e $(CJK_FONT) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null) \
	      || echo "warning: could not install chromium; page tests will be skipped"; \
	  else echo "warning: chromium not installed; page tests will be skipped"; fi; }

## make messages: refresh and compile the translation catalogues (needs gettext).
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .mypy_cache
