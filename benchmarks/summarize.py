#!/usr/bin/env python3
"""The README's benchmark summary from bench_crop.py's JSON: per workload, the best peer
against parcrop (fast and exact modes, and the Rust-compatible call) and the Rust
original, as a markdown table and a compact chart.

    summarize.py bench.json --out-md summary.md --out-png summary.png
"""
import argparse
import collections
import json

PARCROP = {"parcrop_c": "parcrop (fast)", "parcrop_c_exact": "parcrop (exact)",
           "parcrop_cffi": "parcrop, Rust ABI (nearest)"}
NOT_PEERS = set(PARCROP) | {"parcrop_py", "parcrop_py_exact", "rust"}


def summarize(results):
    by_workload = collections.OrderedDict()
    for r in results:
        if r["status"] == "ok":
            by_workload.setdefault(r["workload"], {})[r["method"]] = r
    rows = []
    for workload, methods in by_workload.items():
        peers = {k: v for k, v in methods.items() if k not in NOT_PEERS}
        best_name, best = min(peers.items(), key=lambda kv: kv[1]["median_s"])
        rows.append((workload, best_name, best, methods))
    return rows


def markdown(rows):
    lines = ["| workload | best peer | peer ms | parcrop fast ms (speed-up) | parcrop exact ms (speed-up) "
             "| Rust ABI, nearest ms | Rust original ms | parcrop RSS MB | peer RSS MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for workload, best_name, best, m in rows:
        peer = best["median_s"]
        fast, exact, cffi = m["parcrop_c"]["median_s"], m["parcrop_c_exact"]["median_s"], m["parcrop_cffi"]["median_s"]
        rust = m.get("rust", {}).get("median_s")
        lines.append(
            f"| {workload} | {best_name} | {peer * 1e3:.1f} | {fast * 1e3:.1f} ({peer / fast:.2f}x) "
            f"| {exact * 1e3:.1f} ({peer / exact:.2f}x) | {cffi * 1e3:.1f} "
            f"| {rust * 1e3:.0f} | {m['parcrop_c']['peak_rss_mb']:.0f} | {best['peak_rss_mb']:.0f} |"
            if rust else
            f"| {workload} | {best_name} | {peer * 1e3:.1f} | {fast * 1e3:.1f} ({peer / fast:.2f}x) "
            f"| {exact * 1e3:.1f} ({peer / exact:.2f}x) | {cffi * 1e3:.1f} | - "
            f"| {m['parcrop_c']['peak_rss_mb']:.0f} | {best['peak_rss_mb']:.0f} |")
    return "\n".join(lines) + "\n"


def chart(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [r[0] for r in rows]
    series = [("best peer", lambda r: r[2]["median_s"], "#9e9e9e"),
              ("parcrop fast", lambda r: r[3]["parcrop_c"]["median_s"], "#1f77b4"),
              ("parcrop exact", lambda r: r[3]["parcrop_c_exact"]["median_s"], "#6baed6"),
              ("Rust original", lambda r: r[3].get("rust", {}).get("median_s", np.nan), "#d62728")]
    y = np.arange(len(rows))
    height = 0.2
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.2))
    for i, (label, value, color) in enumerate(series):
        ax.barh(y + (i - 1.5) * height, [value(r) * 1e3 for r in rows], height, label=label, color=color)
    for k, r in enumerate(rows):
        ax.text(r[3]["parcrop_c"]["median_s"] * 1e3 * 1.1, k - 0.5 * height,
                f"{r[2]['median_s'] / r[3]['parcrop_c']['median_s']:.1f}x vs {r[1]}", va="center", fontsize=7)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ms per batch of 32 crops (log scale, lower is better)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json")
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-png", required=True)
    args = ap.parse_args()
    data = json.load(open(args.json))
    rows = summarize(data["results"])
    with open(args.out_md, "w") as f:
        f.write(markdown(rows))
    chart(rows, args.out_png, "parcrop vs the best peer, 32 distinct files per batch, window 32, 2 cores")
    print(markdown(rows))


if __name__ == "__main__":
    main()
