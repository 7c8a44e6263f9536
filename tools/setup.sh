#!/usr/bin/env bash
# Install what kubelab needs into a fresh virtual environment (.venv), plus the system programs:
# Graphviz's `dot` (diagrams), Debian's etcd-server (the real etcd the differential test compares
# against) and chromium (the browser test of the built book). Used by tools/book.sh and
# tools/test.sh; pass the pip extras to install, e.g. `tools/setup.sh book,test,dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-book}"
system="${KUBELAB_SYSTEM_PACKAGES:-graphviz}"

missing=()
for pkg in $system; do
  case "$pkg" in
    graphviz) command -v dot >/dev/null || missing+=(graphviz) ;;
    etcd-server) command -v etcd >/dev/null || missing+=(etcd-server) ;;
    chromium) command -v chromium >/dev/null || missing+=(chromium) ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "please install: ${missing[*]} (e.g. brew install graphviz etcd chromium)" >&2
    [[ " ${missing[*]} " == *" graphviz "* ]] && echo "without Graphviz, diagrams show as DOT source" >&2
  fi
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "kubelab needs Python 3.11 or newer"'
"$python" -m venv --clear .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${extras}]"
