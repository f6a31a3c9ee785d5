# Shared steps for scripts/run and scripts/test. Sourced, not executed.

PYTHON=${PYTHON:-python3}

# Create .venv and install a requirements file, only when it changed since last time.
ensure_venv() {
  local requirements=$1
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating the virtual environment (.venv)"
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> Installing Python packages from $requirements"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    local nodeps="${requirements%.txt}-nodeps.txt"
    if [ -f "$nodeps" ]; then
      .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r "$nodeps"
    fi
    echo "$digest" > "$stamp"
  fi
}

# Build the PWA into static/ when its sources are present.
build_pwa() {
  if [ -x scripts/build-pwa ] && [ -f package.json ]; then
    scripts/build-pwa
  fi
}

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
ensure_chromium() {
  [ -x /usr/bin/chromium ] || debian_install "chromium for the browser tests" chromium
}

# Debian's nginx for the scaled city (scripts/run-scaled and its test in tests/scaled).
ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] ||
    debian_install "nginx for the scaled city" nginx-light nginx
}

# Install the first of the given Debian packages that installs: debian_install WHY PACKAGE...
debian_install() {
  local why=$1 package
  shift
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
    echo "==> $1 is missing and cannot be installed here (need root and apt-get): $why"
    return 1
  fi
  echo "==> Installing Debian's $why"
  apt-get update -qq
  for package in "$@"; do
    apt_install "$package" && return 0
  done
  return 1
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" && return 0
  # Some images keep a dpkg stat-override for a system user they removed; dpkg then refuses
  # every install and tells us to drop the override. Do exactly that, once.
  drop_stale_statoverrides
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"
}

drop_stale_statoverrides() {
  local user group mode path
  while read -r user group mode path; do
    if ! getent passwd "$user" >/dev/null || ! getent group "$group" >/dev/null; then
      echo "==> dropping stale dpkg stat-override for $path (user $user is gone)"
      dpkg-statoverride --remove "$path" || true
    fi
  done < <(dpkg-statoverride --list 2>/dev/null)
}
