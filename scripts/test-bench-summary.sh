#!/usr/bin/env bash
# Checks scripts/bench-summary.py against a hand-computed table (run by .ci/run): two rounds of config A and a PyTorch
# baseline after the second. fwd: runs 90 and 100 -> median 95.0, 95/136 = 0.70, target 0.67 x 136 = 91.1 met by one
# round, 100/200 = 0.50 beside PyTorch; sample: 260 and 240 -> 250.0, 250/760 = 0.33, target 0.33 x 760 = 250.8 met
# by one round, 240/800 = 0.30. Then a file that is not a list of rows must stop it with an error naming the file. And
# its quoted PyTorch figures must be those of EndToEndBench.pytorchMs, the other copy of them.
set -euo pipefail
SUMMARY="$(cd "$(dirname "$0")" && pwd)/bench-summary.py"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
row() { echo "{\"backend\": \"$1\", \"config\": \"A\", \"phase\": \"$2\", \"batch\": 32, \"threads\": 2, \"median_ms\": $3}"; }
echo "[$(row cpu fwd 90), $(row cpu sample 260)]" > "$DIR/tarflow-1.json"
echo "[$(row cpu fwd 100), $(row cpu sample 240)]" > "$DIR/tarflow-2.json"
echo "[$(row torch fwd 200), $(row torch sample 800)]" > "$DIR/torch-2.json"
out="$(python3 "$SUMMARY" "$DIR")"
expected_fwd='| A | fwd | 90.0, 100.0 | 95.0 | 0.70 | 1 of 2 (≤ 91.1) | 200.0 | 0.50 |'
expected_sample='| A | sample | 260.0, 240.0 | 250.0 | 0.33 | 1 of 2 (≤ 250.8) | 800.0 | 0.30 |'
for line in "$expected_fwd" "$expected_sample"; do
  grep -qxF "$line" <<<"$out" || { echo "test-bench-summary.sh: expected the row"; echo "  $line"; echo "in:"; echo "$out"; exit 1; } >&2
done
echo '{"not": "a list"}' > "$DIR/torch-1.json"
if err="$(python3 "$SUMMARY" "$DIR" 2>&1)"; then
  echo "test-bench-summary.sh: a torch-1.json that is not a list was accepted" >&2; exit 1
fi
grep -qF "torch-1.json is not a list of rows" <<<"$err" || { echo "test-bench-summary.sh: unexpected error: $err" >&2; exit 1; }
JAVA_SRC="$(cd "$(dirname "$0")/.." && pwd)/bench/src/main/java/org/tarflow/bench/EndToEndBench.java"
python3 - "$SUMMARY" "$JAVA_SRC" <<'PY'
import re, runpy, sys
quoted = runpy.run_path(sys.argv[1])["QUOTED_MS"]
java = {tuple(k.split("/")): int(v) for k, v in re.findall(r'case "([AB]/\w+)" -> (\d+);', open(sys.argv[2]).read())}
if not java or quoted != java:
    sys.exit(f"test-bench-summary.sh: bench-summary.py quotes {quoted}, EndToEndBench.pytorchMs {java}")
PY
echo "test-bench-summary.sh: bench-summary.py gives the hand-computed table, rejects a malformed file and quotes" \
  "EndToEndBench's PyTorch figures"
