#!/usr/bin/env bash
# Sets up the Python side of the web-archive comparison (a venv with pinned warcio and
# trafilatura under ~/.cache/newsflow) and runs bench/warc_compare.py with it.
# Usage: bench/warc_compare.sh [warc_compare.py options]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/venv-bench"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import trafilatura, warcio" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q warcio==1.8.1 trafilatura==2.3.1 lxml_html_clean==0.4.7
fi
exec python3 "$here/warc_compare.py" --python "$venv/bin/python" "$@"
