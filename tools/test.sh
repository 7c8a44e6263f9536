#!/usr/bin/env bash
# Install kubelab and run every test: lint and types, unit/property/scenario tests (including the
# differential test against a real etcd), strict nbval over every chapter with a random
# PYTHONHASHSEED, the book build with warnings as errors, and a browser test of the built site.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBELAB_SYSTEM_PACKAGES="graphviz etcd-server chromium" tools/setup.sh book,test,dev
v=.venv/bin

echo "== lint and types"
$v/ruff check kubelab tests benchmarks tools
$v/ruff format --check kubelab tests benchmarks tools
$v/mypy --strict kubelab

echo "== tests"
$v/pytest tests -q -n 2 --dist loadfile --ignore=tests/site

hashseed=$((RANDOM % 4294967295))
echo "== notebooks (nbval strict, PYTHONHASHSEED=$hashseed)"
PYTHONHASHSEED=$hashseed $v/pytest -q --nbval --nbval-current-env \
  --nbval-sanitize-with nbval-sanitize.cfg notebooks

echo "== book (warnings are errors)"
rm -rf _build
$v/jupyter-book build . --config book/_config.yml --toc book/_toc.yml -W --keep-going -q

echo "== site (headless chromium, offline)"
KUBELAB_REQUIRE_SITE=1 $v/pytest -q tests/site
