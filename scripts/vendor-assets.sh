#!/usr/bin/env bash
# Fetch the pinned front-end assets from the npm registry into jiceng/static/vendor/.
#
# The files are committed, so nothing is fetched at run time; run this only to
# change a version (edit the pins below, run it, commit the result).
#
#   bash scripts/vendor-assets.sh
#
# Needs npm (Debian: apt-get install -y npm). `npm pack` checks each tarball
# against the registry's integrity hash.
set -euo pipefail

BOOTSTRAP=5.3.9        # latest 5.3.x
BOOTSTRAP_ICONS=1.13.2
HTMX=2.0.11            # latest 2.0.x (htmx 4 is a different API)
ECHARTS=5.6.0          # latest 5.x

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/jiceng/static/vendor"

command -v npm >/dev/null || { echo "vendor-assets: npm is missing (apt-get install -y npm)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# unpack NAME VERSION -> prints the unpacked package dir
unpack() {
    local name="$1" version="$2" tgz dir
    tgz="$(cd "$TMP" && npm pack "$name@$version" --silent)"
    dir="$TMP/${tgz%.tgz}"
    mkdir -p "$dir"
    tar xzf "$TMP/$tgz" -C "$dir"
    echo "$dir/package"
}

# Django's ManifestStaticFilesStorage (collectstatic) fails on a
# sourceMappingURL whose .map file is absent; we don't ship the maps.
strip_sourcemap() {
    sed -i -e '/^\/[*\/]# sourceMappingURL=.*$/d' "$1"
}

echo "vendor-assets: fetching into ${DEST#"$ROOT"/}"
NEW="$TMP/vendor"
mkdir -p "$NEW"/{bootstrap/css,bootstrap/js,bootstrap-icons/fonts,htmx,echarts}

p="$(unpack bootstrap "$BOOTSTRAP")"
cp "$p/dist/css/bootstrap.min.css" "$NEW/bootstrap/css/"
cp "$p/dist/js/bootstrap.bundle.min.js" "$NEW/bootstrap/js/"
cp "$p/LICENSE" "$NEW/bootstrap/LICENSE"
strip_sourcemap "$NEW/bootstrap/css/bootstrap.min.css"
strip_sourcemap "$NEW/bootstrap/js/bootstrap.bundle.min.js"

p="$(unpack bootstrap-icons "$BOOTSTRAP_ICONS")"
# The css refers to url("fonts/bootstrap-icons.woff2?...") relative to itself.
cp "$p/font/bootstrap-icons.min.css" "$NEW/bootstrap-icons/"
cp "$p/font/fonts/bootstrap-icons.woff" "$p/font/fonts/bootstrap-icons.woff2" "$NEW/bootstrap-icons/fonts/"
cp "$p/LICENSE" "$NEW/bootstrap-icons/LICENSE"

p="$(unpack htmx.org "$HTMX")"
cp "$p/dist/htmx.min.js" "$NEW/htmx/"
cp "$p/LICENSE" "$NEW/htmx/LICENSE"

p="$(unpack echarts "$ECHARTS")"
cp "$p/dist/echarts.min.js" "$NEW/echarts/"
cp "$p/LICENSE" "$NEW/echarts/LICENSE"
cp "$p/NOTICE" "$NEW/echarts/NOTICE"

for f in "$NEW"/*/css/*.css "$NEW"/*/*.css "$NEW"/*/js/*.js "$NEW"/*/*.js; do
    [ -e "$f" ] || continue
    if grep -q 'sourceMappingURL=' "$f"; then
        echo "vendor-assets: $f still names a source map" >&2
        exit 1
    fi
done

{
    echo "# Vendored front-end assets, fetched by scripts/vendor-assets.sh from the npm registry."
    echo "# sourceMappingURL comments are removed (the .map files are not shipped)."
    echo "bootstrap@$BOOTSTRAP"
    echo "bootstrap-icons@$BOOTSTRAP_ICONS"
    echo "htmx.org@$HTMX"
    echo "echarts@$ECHARTS"
    echo
    echo "# sha256"
    (cd "$NEW" && find . -type f ! -name VERSIONS.txt | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum)
} >"$NEW/VERSIONS.txt"

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -r "$NEW" "$DEST"
(cd "$DEST" && find . -type f | LC_ALL=C sort | xargs du -h)
echo "vendor-assets: done"
