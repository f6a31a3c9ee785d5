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
    echo "$digest" > "$stamp"
  fi
}

# Build the PWA into static/ when its sources are present.
build_pwa() {
  if [ -x scripts/build-pwa ] && [ -f package.json ]; then
    scripts/build-pwa
  fi
}
