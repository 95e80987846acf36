#!/usr/bin/env bash
# A set of benchmark rounds, the way the figures in docs/benchmarks.md were taken: several rounds of
# `./tarflow bench --backend cpu`, with the PyTorch baseline (scripts/torch-baseline.sh) run between some of them so
# that it is measured in the same minutes, then a summary (scripts/bench-summary.py): each phase's run medians, their
# median, its ratio to the quoted PyTorch figure, how many rounds met the target, and the ratio to PyTorch per round.
# On a shared host a single run says little; a set of rounds with the baseline beside it says what this backend does
# against PyTorch right now.
# Usage: scripts/bench-rounds.sh [--config A|B] [--rounds N] [--torch-after "2 4"] [--reps R] [--phases P,...]
#                                [--out DIR]
# --torch-after "" runs no PyTorch baseline (then only the quoted figures are compared against).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG=A
ROUNDS=4
TORCH_AFTER="2 4"
REPS=20
PHASES=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --torch-after) TORCH_AFTER="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --phases) PHASES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-rounds.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$CONFIG" in A|B) ;; *) echo "bench-rounds.sh: --config must be A or B, got $CONFIG" >&2; exit 2 ;; esac
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-rounds.sh: --rounds must be a positive number, got $ROUNDS" >&2; exit 2; }
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-rounds.sh: --reps must be a positive number, got $REPS" >&2; exit 2; }
for r in $TORCH_AFTER; do
  [[ "$r" =~ ^[1-9][0-9]*$ ]] && [ "$r" -le "$ROUNDS" ] || {
    echo "bench-rounds.sh: --torch-after takes round numbers from 1 to $ROUNDS, got $r" >&2; exit 2; }
done
OUT="${OUT:-$ROOT/runs/bench-rounds-$CONFIG-$(date +%Y%m%d-%H%M%S)}"
# the summary reads every tarflow-N.json and torch-N.json in the folder: an earlier set's must not mix with this one's
if compgen -G "$OUT/tarflow-*.json" >/dev/null || compgen -G "$OUT/torch-*.json" >/dev/null; then
  echo "bench-rounds.sh: $OUT already holds a set of rounds; choose another --out" >&2; exit 2
fi
mkdir -p "$OUT"
PHASE_ARGS=()
[ -n "$PHASES" ] && PHASE_ARGS=(--phases "$PHASES")

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r of $ROUNDS, config $CONFIG, this backend ($(date +%T))"
  "$ROOT/tarflow" bench --backend cpu --config "$CONFIG" --reps "$REPS" "${PHASE_ARGS[@]}" \
    --json "$OUT/tarflow-$r.json" 2>&1 | grep -v '^WARNING' | grep -E '^  cpu|rror' || true
  [ -s "$OUT/tarflow-$r.json" ] || { echo "bench-rounds.sh: round $r wrote no $OUT/tarflow-$r.json" >&2; exit 1; }
  for t in $TORCH_AFTER; do
    if [ "$t" = "$r" ]; then
      echo "== PyTorch after round $r ($(date +%T))"
      "$ROOT/scripts/torch-baseline.sh" --config "$CONFIG" --reps "$REPS" "${PHASE_ARGS[@]}" \
        --json "$OUT/torch-$r.json" 2>&1 | grep -E '^  torch|rror' || true
      [ -s "$OUT/torch-$r.json" ] || { echo "bench-rounds.sh: the baseline after round $r wrote nothing" >&2; exit 1; }
    fi
  done
done
echo "== done ($(date +%T)); the JSON files are in $OUT"
python3 "$ROOT/scripts/bench-summary.py" "$OUT"
