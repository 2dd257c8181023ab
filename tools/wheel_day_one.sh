#!/usr/bin/env bash
# A newcomer's first day with the built wheel (issue 21's acceptance), outside the checkout:
#   1. build the wheel; install it into a new virtual environment (dependencies from this
#      Python's site-packages: --system-site-packages, --no-deps; skcxr itself from the wheel)
#   2. the main job: `skcxr train` on the synthetic default (stderr checked for TensorFlow's
#      C++ log lines)
#   3. `skcxr predict` on a folder of chest X-rays (JPEG, DICOM) with a text file and a dental
#      DICOM film among them, recursing into a subfolder, CSV out; its exit code
#   4. the pretrained recipe trained and saved, then predicting in a second fresh process
#      with $SKCXR_WEIGHTS unset (no weights file, no network)
# Usage: tools/wheel_day_one.sh   (SKCXR_DATA / SKCXR_WEIGHTS override ../shared/...)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${SKCXR_DATA:-$repo/../shared/data}
weights=${SKCXR_WEIGHTS:-$repo/../shared/weights}
work=$(mktemp -d)
echo "working in $work"
python3 -m build --wheel --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1
python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-deps "$work"/dist/*.whl
cd "$work"
export PATH="$work/venv/bin:$PATH"
unset SKCXR_WEIGHTS
python -c "import skcxr; print('skcxr', skcxr.__version__, 'from', skcxr.__file__)"

echo "== 1. the main job: skcxr train (synthetic default)"
start=$SECONDS
skcxr train -o cnn 2>cnn.err | tail -4
echo "   took $((SECONDS - start)) s; TensorFlow C++ lines on stderr: $(grep -cE '^[IWEF][0-9]{4} ' cnn.err || true)"

echo "== 2. skcxr predict on a folder: chest X-rays, a text file, a dental DICOM"
mkdir -p mixed/more
cp $(ls "$data"/covid-chestxray/images/*.jpg | head -3) mixed/
cp "$data/dicom/CR-MONO1-10-chest.dcm" mixed/more/
cp "$data/dicom/CR-ModalitySequenceLUT.dcm" mixed/more/dental.dcm
echo "not an image" >mixed/notes.txt
set +e
skcxr predict cnn/model.skops mixed --csv cnn.csv 2>predict.err
rc=$?
set -e
echo "   exit code $rc (documented: 1 = some files could not be read, the others predicted)"
echo "   CSV rows: $(($(wc -l <cnn.csv) - 1)) for $(find mixed -type f | wc -l) files"

echo "== 3. the pretrained recipe: trained with the weights, predicting without them"
start=$SECONDS
SKCXR_WEIGHTS=$weights skcxr train --recipe pretrained --n-images 120 -o pretrained \
    2>pretrained.err | tail -3
echo "   trained in $((SECONDS - start)) s; model file $(du -h pretrained/model.skops | cut -f1)"
set +e
env -u SKCXR_WEIGHTS skcxr predict pretrained/model.skops mixed --csv pretrained.csv
rc=$?
set -e
echo "   second fresh process, \$SKCXR_WEIGHTS unset: exit code $rc, CSV rows" \
     "$(($(wc -l <pretrained.csv) - 1))"
echo "   downloads attempted: $(grep -c 'Downloading data' pretrained.err predict.err | paste -sd' ')"
