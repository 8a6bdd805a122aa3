#!/usr/bin/env bash
# Creates Benchmarks/peers/.venv (once) with NumPy, SciPy, JAX and BlackJAX
# (CPU only) from PyPI (requirements.txt) and the PyTorch CPU wheel from
# /opt/wheels (or $TORCH_WHEEL). Safe to run again: it
# reinstalls only when requirements.txt or the torch wheel changed.
#   PYTHON=python3.11 bash Benchmarks/peers/setup.sh    to choose the interpreter
#   TORCH_WHEEL=/path/torch-...-cpu-....whl             to use another CPU wheel
#   BENCH_NO_TORCH=1                                    to skip PyTorch
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

say() { printf '[peers] %s\n' "$*"; }

if ! command -v "$python" >/dev/null; then
    say "error: $python not found; install Python 3.9+ (e.g. apt-get install -y python3 python3-venv)"
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    say "creating virtual environment $venv with $("$python" --version 2>&1)"
    if ! "$python" -m venv "$venv"; then
        rm -rf "$venv"
        say "error: '$python -m venv' failed; on Debian/Ubuntu: apt-get install -y python3-venv"
        exit 1
    fi
fi
py="$venv/bin/python"
pytag="cp$("$py" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"

# The torch wheel: $TORCH_WHEEL, else the newest CPU wheel in /opt/wheels for this Python.
wheel="${TORCH_WHEEL:-}"
if [ -z "$wheel" ] && [ -z "${BENCH_NO_TORCH:-}" ]; then
    wheel="$(ls -1 /opt/wheels/torch-*-"$pytag"-*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
fi

stamp="$venv/.bayeskit-installed"
want="$(cat "$here/requirements.txt"; echo "torch: ${wheel:-none}"; echo "torchdiffeq: 0.2.5 --no-deps")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "environment up to date ($venv)"
    exit 0
fi

say "installing NumPy, SciPy, JAX, BlackJAX (pip, PyPI; requirements.txt)"
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet -r "$here/requirements.txt"
if [ -n "$wheel" ]; then
    say "installing PyTorch CPU from $wheel"
    "$py" -m pip install --quiet "$wheel"
    # torchdiffeq after the wheel and without dependencies: its torch
    # requirement would otherwise pull PyTorch (CUDA) from PyPI.
    say "installing torchdiffeq 0.2.5 against that PyTorch"
    "$py" -m pip install --quiet --no-deps torchdiffeq==0.2.5
else
    say "no PyTorch CPU wheel for $pytag in /opt/wheels (set TORCH_WHEEL=...); PyTorch peers will be skipped"
fi
printf '%s' "$want" > "$stamp"
say "installed: $("$py" - <<'PY'
from importlib import metadata
def v(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
print(", ".join(f"{n} {v(n)}" for n in ("numpy", "scipy", "torch", "jax", "jaxlib", "blackjax")))
PY
)"
