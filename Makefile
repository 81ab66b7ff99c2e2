# Phong Trào: every job a user or an operator runs starts here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 explicitly: the machine's python3 may be another version.
# A pyenv shim may exist without 3.12 being active, so each candidate must actually run.
PYTHON312 ?= $(shell for p in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 \
	/usr/local/bin/python3.12 /usr/bin/python3.12 python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && \
	{ command -v "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint serve-setup clean

help:
	@echo "make run     cài đặt, chuẩn bị cơ sở dữ liệu và chạy web tại http://$(HOST):$(PORT)"
	@echo "make test    cài đặt và chạy toàn bộ kiểm thử"
	@echo "make install chỉ cài đặt môi trường .venv"
	@echo "make lint    kiểm tra mã nguồn (ruff, thứ tự các tầng, kiểu dữ liệu)"

$(BIN)/python:
	@test -n "$(PYTHON312)" || { echo "Không tìm thấy Python 3.12 (python3.12 hoặc pyenv)." >&2; exit 1; }
	$(PYTHON312) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

serve-setup: install
	$(BIN)/phongtrao setup

run: serve-setup
	$(BIN)/phongtrao serve --host $(HOST) --port $(PORT)

# Two workers (the machine and CI have two cores); --dist load keeps the collection order per
# worker, which the demo tests rely on (tests/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/static

# Analytics benchmark on generated national data (not part of `make test`): PostgreSQL on
# 127.0.0.1:5432 (user postgres, database phongtrao_bench) and SQLite (var/bench/).
# Quicker: make bench BENCH_ARGS="--scale 0.05". Its extra dependencies (DuckDB, pyarrow for
# the columnar reference) are installed for it alone.
.PHONY: bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
