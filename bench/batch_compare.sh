#!/usr/bin/env bash
# Sets up the Python side of the batch comparison (a venv with pinned datasketch under
# ~/.cache/newsflow) and runs bench/batch_compare.py with it.
# Usage: bench/batch_compare.sh [batch_compare.py options]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/venv-batch-bench"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import datasketch" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q datasketch==1.6.5
fi
exec python3 "$here/batch_compare.py" --python "$venv/bin/python" "$@"
