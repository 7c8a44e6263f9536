#!/usr/bin/env bash
# Install kubelab and build the book (every chapter executed); then open it if a browser is around.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh book
rm -rf _build
.venv/bin/jupyter-book build . --config book/_config.yml --toc book/_toc.yml -W --keep-going
page="$(pwd)/_build/html/index.html"
echo "the book: file://$page"
if [ -z "${CI:-}" ] && command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}" ]; then
  xdg-open "$page" >/dev/null 2>&1 || true
fi
