#!/usr/bin/env bash
# Re-vendors uPlot (the dashboard's chart library) from npm: scripts/vendor-uplot.sh 1.6.32
set -euo pipefail
version=${1:?usage: $0 VERSION}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "uplot@$version" >/dev/null && tar xzf "uplot-$version.tgz")
dest=$root/dashboard/web/vendor/uplot
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$dest/"
sum=$(sha256sum "$tmp/uplot-$version.tgz" | cut -d' ' -f1)
sed -i "s/^# uPlot .*/# uPlot $version (vendored)/; s/npm pack uplot@[0-9.]*/npm pack uplot@$version/; s/^[0-9a-f]\{64\})/$sum)/" "$dest/README.md"
echo "uPlot $version vendored into $dest (tarball sha256 $sum); update dashboard/web/vendor/uplot/README.md if its layout changed"
