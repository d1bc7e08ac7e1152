#!/usr/bin/env bash
# Runs the Python tests in a virtual environment under the build folder that installs the
# client (clients/python) and its test dependencies from PyPI.
#   tests/python/run.sh BUILD_DIR unit          the client's own tests (no broker)
#   tests/python/run.sh BUILD_DIR integration   against the broker in NEWSFLOW_TEST_BROKERS
set -euo pipefail
build=$1
which=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$build/python-venv
if [[ ! -x $venv/bin/pytest ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
fi
# Installed from a copy, so that setuptools' build/ and egg-info land in the build folder,
# not the source tree. flock: the unit and integration runs may start together.
rm -rf "$build/python-client-src"
cp -r "$root/clients/python" "$build/python-client-src"
flock "$venv/.lock" "$venv/bin/pip" install --quiet --disable-pip-version-check \
  "$build/python-client-src[test]"
cd "$build"
case $which in
  unit) exec "$venv/bin/pytest" -q -p no:cacheprovider "$root/clients/python/tests" ;;
  integration) exec "$venv/bin/pytest" -q -p no:cacheprovider "$root/tests/python" ;;
  *) echo "usage: $0 BUILD_DIR unit|integration" >&2; exit 2 ;;
esac
