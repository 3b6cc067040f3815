# xinfang — `make run` (demo server on SQLite) and `make test` (the whole suite). Both work on a fresh machine.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/*.txt pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE=1

.PHONY: run test install lint typecheck migrations-check unit browser pg-test stock-test bench chromium clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || PY=python3; $${PY:-$(PY)} -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/base.txt requirements/dev.txt pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/xinfang migrate --noinput
	$(BIN)/xinfang demo --if-empty
	$(BIN)/xinfang smart_train --if-missing
	$(BIN)/xinfang collectstatic --noinput -v 0
	@echo ""
	@echo "  工作台 Staff workspace : http://$(HOST):$(PORT)/"
	@echo "  系统管理 Administration: http://$(HOST):$(PORT)/admin/"
	@echo "  API 文档 OpenAPI       : http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  演示账号 Demo logins   : dengji（登记员）chengban（承办人）fuzeren（单位负责人）lingdao（领导）"
	@echo "                          ducha（督查员）shenji（审计员）admin（管理员） — 密码 xinfang-demo"
	@echo ""
	$(BIN)/xinfang runserver $(HOST):$(PORT)

# fonts-arphic-uming: a TrueType (glyf) Song face that reportlab embeds in the issued PDFs (xinfang/documents/fonts.py).
chromium:
	@(test -x /usr/bin/chromium && fc-list :lang=zh 2>/dev/null | grep -q . && test -e /usr/share/fonts/truetype/arphic/uming.ttc) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-arphic-uming >/dev/null) || echo "chromium or CJK fonts not installed: browser tests will skip, PDFs use the non-embedded STSong-Light"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy xinfang config

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

unit: install
	$(BIN)/pytest -q

test: install chromium lint typecheck migrations-check unit

# The same suite against PostgreSQL (127.0.0.1:5432, database `test`); .ci/run calls this after `make test`.
pg-test: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q

# The registration and handling tests again on Django's stock ORM write path (xinfang/core/writepath.py), on
# SQLite and PostgreSQL; the fast path's own statement tests (marker fastpath) skip there.
STOCK_TESTS := xinfang/intake xinfang/cases xinfang/routing xinfang/portal
stock-test: install
	XINFANG_WRITE_PATH=stock $(BIN)/pytest -q -p no:cacheprovider $(STOCK_TESTS)
	XINFANG_WRITE_PATH=stock DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q -p no:cacheprovider $(STOCK_TESTS)

bench: install
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/portal_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
