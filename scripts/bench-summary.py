#!/usr/bin/env python3
"""Summarises a set of benchmark rounds (scripts/bench-rounds.sh) as a Markdown table.

Reads DIR/tarflow-N.json (one `./tarflow bench --json` file per round N) and DIR/torch-N.json (the PyTorch baseline run
right after round N, where there is one). Per config and phase: the run medians in round order, their median, its
ratio to the quoted PyTorch figure and the target (issue 6: at most 0.67 of it, 0.33 for sampling), how many rounds
met the target, PyTorch's medians, and this backend's median over PyTorch's in the same round.

Usage: scripts/bench-summary.py DIR
"""
import json
import re
import statistics
import sys
from pathlib import Path

# The reference PyTorch TarFlow's medians in ms as quoted in issue 6: a copy of EndToEndBench.pytorchMs, which
# scripts/test-bench-summary.sh checks it against.
QUOTED_MS = {
    ("A", "fwd"): 136, ("A", "train"): 412, ("A", "sample"): 760, ("A", "denoise"): 313,
    ("B", "fwd"): 97, ("B", "train"): 287, ("B", "sample"): 649, ("B", "denoise"): 235,
}
TARGET = {"sample": 0.33}  # every other phase: 0.67
PHASE_ORDER = ["fwd", "train", "sample", "sample_cfg", "denoise"]


def read_rounds(directory, prefix):
    """{round: [rows]} from DIR/prefix-N.json; a file that is not a JSON list of rows is an error naming it."""
    rounds = {}
    for f in directory.glob(prefix + "-*.json"):
        m = re.fullmatch(re.escape(prefix) + r"-(\d+)\.json", f.name)
        if not m:
            continue
        try:
            rows = json.loads(f.read_text())
        except (OSError, ValueError) as e:
            sys.exit(f"bench-summary.py: cannot read {f}: {e}")
        if not isinstance(rows, list) or not all(
                isinstance(r, dict) and {"config", "phase", "median_ms"} <= r.keys() for r in rows):
            sys.exit(f"bench-summary.py: {f} is not a list of rows with config, phase and median_ms")
        rounds[int(m.group(1))] = rows
    return rounds


def medians_by_key(rows):
    return {(r["config"], r["phase"]): float(r["median_ms"]) for r in rows}


def fmt(x):
    return f"{x:.1f}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    directory = Path(sys.argv[1])
    ours = read_rounds(directory, "tarflow")
    if not ours:
        sys.exit(f"bench-summary.py: no tarflow-N.json in {directory}")
    torch = read_rounds(directory, "torch")
    ours_by_round = {n: medians_by_key(rows) for n, rows in sorted(ours.items())}
    torch_by_round = {n: medians_by_key(rows) for n, rows in sorted(torch.items())}
    keys = sorted({k for m in ours_by_round.values() for k in m},
                  key=lambda k: (k[0], PHASE_ORDER.index(k[1]) if k[1] in PHASE_ORDER else len(PHASE_ORDER)))
    print(f"{len(ours_by_round)} rounds of this backend, PyTorch after round(s) "
          f"{', '.join(map(str, torch_by_round)) or 'none'}; ms, medians of each run")
    print()
    print("| config | phase | run medians | median | vs quoted | rounds within the target | PyTorch beside it "
          "| same-round ratio |")
    print("|---|---|---|---:|---:|---|---|---|")
    for key in keys:
        runs = [(n, m[key]) for n, m in ours_by_round.items() if key in m]
        values = [v for _, v in runs]
        med = statistics.median(values)
        quoted = QUOTED_MS.get(key)
        if quoted is not None:
            limit = TARGET.get(key[1], 0.67) * quoted
            vs = f"{med / quoted:.2f}"
            within = f"{sum(v <= limit for v in values)} of {len(values)} (≤ {limit:.1f})"
        else:
            vs = within = "–"
        beside = [(n, torch_by_round[n][key]) for n, _ in runs if n in torch_by_round and key in torch_by_round[n]]
        ours_in = dict(runs)
        torch_text = ", ".join(fmt(t) for _, t in beside) or "–"
        ratio_text = ", ".join(f"{ours_in[n] / t:.2f}" for n, t in beside) or "–"
        print(f"| {key[0]} | {key[1]} | {', '.join(fmt(v) for v in values)} | {fmt(med)} | {vs} | {within} "
              f"| {torch_text} | {ratio_text} |")


if __name__ == "__main__":
    main()
