# Shared by scripts/run, scripts/test and scripts/bench. Installs what is missing (Debian
# packages, npm packages) and builds. Idempotent and quick when nothing changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APT_PACKAGES=(build-essential cmake ninja-build pkg-config python3 python3-yaml
  libpistache-dev rapidjson-dev libsqlite3-dev libsodium-dev catch2 libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libbrotli-dev nodejs npm clang-format
  clang libclang-rt-14-dev libpq-dev libical-dev)
# The PostgreSQL server, for the tests (scripts/pg-cluster) and `scripts/bench --pg`.
PG_SERVER_PACKAGES=(postgresql postgresql-contrib)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

install_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node and npm may come from elsewhere than Debian (e.g. a preinstalled Node 20): keep them.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local kept=()
    for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || kept+=("$p"); done
    missing=("${kept[@]}")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_npm() {
  local stamp="$ROOT/webui/node_modules/.orderly-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/webui/package-lock.json" "$stamp"; then
    log "installing npm packages (webui)"
    (cd "$ROOT/webui" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/webui/package-lock.json" "$stamp"
  fi
}

# build_server DIR [cmake args...]
build_server() {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    # Debian's python3 has python3-yaml; a python3 earlier on PATH (pyenv, venv) may not.
    local py=()
    [ -x /usr/bin/python3 ] && py=(-DPython3_EXECUTABLE=/usr/bin/python3)
    cmake -S "$ROOT" -B "$dir" -G Ninja "${py[@]}" "$@" >/dev/null
  fi
  ninja -C "$dir" ${NINJA_JOBS:+-j "$NINJA_JOBS"}
}

build_webui() {
  local marker="$ROOT/webui/dist/index.html"
  local newest
  newest=$(find "$ROOT/webui/src" "$ROOT/webui/index.html" "$ROOT/webui/package-lock.json" "$ROOT/api-spec/openapi.yaml" \
    -newer "$marker" -print -quit 2>/dev/null || true)
  if [ ! -f "$marker" ] || [ -n "$newest" ]; then
    log "building the web UI"
    (cd "$ROOT/webui" && npm run --silent gen:api && npm run --silent build)
  fi
}
