#!/usr/bin/env bash
# Create or refresh the project environment in .venv from pyproject.toml.
#
# A stamp file records a hash of pyproject.toml; when it matches, nothing is
# installed and the script exits within a second. On a machine without CUDA the
# CPU build of torch is installed first (pinned so pip takes the local CPU wheel
# instead of a multi-GB CUDA build); the range in pyproject then adds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.tslib-installed"
EXTRAS="${TSLIB_EXTRAS:-dev}"
TORCH_CPU_VERSION="${TSLIB_TORCH_CPU_VERSION:-2.13.0}"
want="$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)-$EXTRAS"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi
echo "[bootstrap] creating environment in $VENV (extras: $EXTRAS)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install --quiet --upgrade pip setuptools wheel
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        echo "[bootstrap] CUDA found: installing torch from the pyproject range"
    else
        echo "[bootstrap] no CUDA: installing the CPU build torch==$TORCH_CPU_VERSION"
        $PIP install --quiet "torch==$TORCH_CPU_VERSION" \
            || $PIP install --quiet "torch==$TORCH_CPU_VERSION" --index-url https://download.pytorch.org/whl/cpu
    fi
fi
$PIP install --quiet -e ".[$EXTRAS]"
"$VENV/bin/python" -m ipykernel install --sys-prefix --name tslib --display-name "Python (tslib)" >/dev/null
echo "$want" > "$STAMP"
echo "[bootstrap] done"
