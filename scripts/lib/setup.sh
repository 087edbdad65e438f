#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: checks (and, as root, installs with
# apt-get) the system packages NeonHub builds and runs with. Sourced, not executed.

say() { printf '[neonhub] %s\n' "$*" >&2; }
die() { printf '[neonhub] error: %s\n' "$*" >&2; exit 1; }

# Debian packages the build and the embedded Postgres cluster need.
NEONHUB_APT_PACKAGES=(pkg-config libpq-dev libssl-dev zlib1g-dev postgresql curl python3 python3-venv)

missing_packages() {
  local p missing=()
  for p in "${NEONHUB_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

ensure_system_packages() {
  command -v dpkg-query >/dev/null || { say "not a Debian system: make sure libpq, OpenSSL, zlib headers and PostgreSQL server binaries are installed"; return 0; }
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing system packages: $missing — install them with: sudo apt-get install -y $missing"
  fi
  say "installing system packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install $missing failed"
}

ensure_swift() {
  command -v swift >/dev/null || {
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
  }
  command -v swift >/dev/null || die "swift not found on PATH (Swift 6.2 or newer is required)"
}

# Installs one Debian package when `command` is missing (as root), else says how.
ensure_tool() {
  local command=$1 package=$2
  command -v "$command" >/dev/null && return 0
  command -v dpkg-query >/dev/null || die "$command not found (install $package)"
  [ "$(id -u)" -eq 0 ] || die "$command not found — install it with: sudo apt-get install -y $package"
  say "installing $package (for $command)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "$package" >/dev/null || die "apt-get install $package failed"
  command -v "$command" >/dev/null || die "$package installed but $command is still missing"
}

# Installs a tool only some tests need when `command` is missing (as root); otherwise says
# which suites will be skipped and how to install it, and goes on.
ensure_test_tool() {
  local command=$1 package=$2 needed_by=$3
  command -v "$command" >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "warning: $command not found: $needed_by will be skipped (install it with: sudo apt-get install -y $package)"
    return 0
  fi
  say "installing $package (for $command, which $needed_by need)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package" >/dev/null; } ||
    say "warning: apt-get install $package failed: $needed_by will be skipped"
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Swift Testing starts every test at once by default: about 1,000 of them on CI's 2 cores, so a
# test's own timeouts measure the queue, not the code. Twelve at a time runs the suite as fast
# (about 120 s against 133–170 s) and keeps each test's clock honest. Override by exporting it.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-12}

neonhub_setup() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.." || die "cannot find the project folder"
  ensure_swift
  ensure_system_packages
}
