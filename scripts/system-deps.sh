#!/usr/bin/env bash
# Install the Debian packages the project needs, only those that are missing.
#
#   bash scripts/system-deps.sh              # everything `make test` needs (the list below)
#   bash scripts/system-deps.sh gettext      # just some of them
#   bash scripts/system-deps.sh wrk          # for `make bench`
#   (libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint renders the campaign report's PDF with them;
#    fonts-noto-cjk: its Chinese; poppler-utils: pdftotext in its tests)
#
# Idempotent and quiet when everything is present. Needs root (or sudo) to
# install; otherwise it prints the command to run and fails.
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(postgresql chromium gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils)

have_postgresql() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
        || { command -v initdb >/dev/null && command -v pg_ctl >/dev/null; }
}
have_chromium() { [ -x /usr/bin/chromium ]; }
have_gettext() { command -v msgfmt >/dev/null; }
have_wrk() { command -v wrk >/dev/null; }
have_fonts-noto-cjk() { compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK*' >/dev/null; }
have_poppler-utils() { command -v pdftotext >/dev/null; }
have_libpango-1.0-0() { ldconfig -p | grep -q 'libpango-1.0.so.0'; }
have_libpangoft2-1.0-0() { ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; }

missing=()
for dep in "${wanted[@]}"; do
    case "$dep" in
        postgresql | chromium | gettext | wrk | libpango-1.0-0 | libpangoft2-1.0-0 | fonts-noto-cjk | poppler-utils) "have_$dep" || missing+=("$dep") ;;
        *) echo "system-deps: unknown dependency '$dep' (known: postgresql chromium gettext wrk libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils)" >&2; exit 2 ;;
    esac
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps: ok (${wanted[*]})"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "system-deps: missing: ${missing[*]}" >&2
    echo "system-deps: install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]} (apt)"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run instead of failing on its lock.
APT=("${SUDO[@]}" apt-get -q -y -o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${APT[@]}" update >"$log" 2>&1 \
    || ! "${APT[@]}" install "${missing[@]}" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "system-deps: apt-get failed (log above)" >&2
    exit 1
fi

still=()
for dep in "${missing[@]}"; do "have_$dep" || still+=("$dep"); done
if [ ${#still[@]} -gt 0 ]; then
    cat "$log" >&2
    echo "system-deps: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
echo "system-deps: installed ${missing[*]}"
