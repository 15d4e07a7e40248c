"""Turn the JSON lines of `run.py` into a Markdown table, efficiency ratios and a PNG plot.

    python bench/load/report.py bench/results/raw/load-<time>.jsonl [--out bench/results]

Each cell is the median over the repeated runs, with the range [min, max] where there is more than one
run. Ratios are computed per repetition between runs of the same repetition (which ran within a
minute of each other), then summarized the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

Row = dict[str, Any]
LABELS = {
    "granian": "int-hubspot (Granian RSGI)",
    "robyn": "int-hubspot (Robyn)",
    "baseline": "baseline (FastAPI)",
}


def describe_machine() -> dict[str, Any]:
    """Return what the report states about the machine: CPU model, CPU count, memory, load, versions."""
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "load_average_at_start": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "go": _command_output(["go", "version"]),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def _command_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except OSError:
        return ""


def read_rows(path: Path) -> tuple[dict[str, Any], list[Row]]:
    header: dict[str, Any] = {}
    rows: list[Row] = []
    with path.open() as handle:
        for line in handle:
            record = json.loads(line)
            if "machine" in record:
                header = record
            else:
                rows.append(record)
    return header, rows


def spread(values: Iterable[float | None], digits: int = 0) -> str:
    """Format the median of `values` and, for several values, their range."""
    numbers = [value for value in values if value is not None]
    if not numbers:
        return "n/a"
    middle = statistics.median(numbers)
    if len(numbers) == 1:
        return f"{middle:,.{digits}f}"
    return f"{middle:,.{digits}f} [{min(numbers):,.{digits}f}, {max(numbers):,.{digits}f}]"


def _get(path: str) -> Callable[[Row], float | None]:
    def read(row: Row) -> float | None:
        value: Any = row
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return float(value) if value is not None else None

    return read


def _busy(row: Row) -> float | None:
    busy = row.get("cpu_busy") or {}
    return busy.get(row.get("server_cpu_name", "cpu1"))


COLUMNS: list[tuple[str, Callable[[Row], float | None], int]] = [
    ("accepted requests/s", _get("accepted_requests_per_s"), 0),
    ("events/s landed in Kafka", _get("landed_events_per_s"), 0),
    ("ack p50 ms", _get("ack_latency_ms.p50"), 1),
    ("ack p95 ms", _get("ack_latency_ms.p95"), 1),
    ("ack p99 ms", _get("ack_latency_ms.p99"), 1),
    ("receive→append p50 / p99 ms", lambda row: None, 0),  # filled in specially below
    ("gateway CPU-s per 1,000 events", _get("cpu_s_per_1k_events"), 3),
    ("events per gateway CPU-s", _get("events_per_cpu_s"), 0),
    ("CPU µs per request", _get("cpu_us_per_request"), 0),
    ("peak RSS MiB", _get("peak_rss_mb"), 0),
    ("server CPU busy", _busy, 2),
]


def closed_table(rows: list[Row], systems: list[str]) -> list[str]:
    lines = [
        "| system | batch | " + " | ".join(name for name, _, _ in COLUMNS) + " | non-204 | duplicates |",
        "|---|---:|" + "---:|" * (len(COLUMNS) + 2),
    ]
    batches = sorted({row["batch_size"] for row in rows})
    for batch in batches:
        for system in systems:
            group = [row for row in rows if row["system"] == system and row["batch_size"] == batch]
            if not group:
                continue
            cells = []
            for name, read, digits in COLUMNS:
                if name.startswith("receive→append"):
                    p50 = spread((_get("receive_to_append_ms.p50")(row) for row in group), 0)
                    p99 = spread((_get("receive_to_append_ms.p99")(row) for row in group), 0)
                    cells.append(f"{p50} / {p99}")
                else:
                    cells.append(spread((read(row) for row in group), digits))
            non_204 = sum(row["non_204_in_window"] + row["errors_in_window"] for row in group)
            duplicates = sum(row["topic_duplicates"] for row in group)
            lines.append(
                f"| {LABELS.get(system, system)} | {batch} | "
                + " | ".join(cells)
                + f" | {non_204} | {duplicates} |"
            )
    return lines


def efficiency_ratios(rows: list[Row], systems: list[str]) -> list[str]:
    """Events per gateway CPU-second of each int-hubspot front end divided by the baseline's, per batch."""
    by_key: dict[tuple[str, int, int], float] = {}
    for row in rows:
        if row.get("events_per_cpu_s"):
            by_key[(row["system"], row["batch_size"], row["repeat"])] = row["events_per_cpu_s"]
    lines = [
        "| front end | batch | events per CPU-s ÷ baseline's | accepted requests/s ÷ baseline's |",
        "|---|---:|---:|---:|",
    ]
    throughput = {
        (row["system"], row["batch_size"], row["repeat"]): row["accepted_requests_per_s"] for row in rows
    }
    for system in (name for name in systems if name != "baseline"):
        for batch in sorted({row["batch_size"] for row in rows}):
            ratios, speedups = [], []
            for (name, size, repeat), value in by_key.items():
                base = by_key.get(("baseline", size, repeat))
                if name == system and size == batch and base:
                    ratios.append(value / base)
                    base_rate = throughput.get(("baseline", size, repeat))
                    if base_rate:
                        speedups.append(throughput[(name, size, repeat)] / base_rate)
            if ratios:
                label = LABELS.get(system, system)
                lines.append(f"| {label} | {batch} | {spread(ratios, 2)} | {spread(speedups, 2)} |")
    return lines


def plot_sweep(rows: list[Row], systems: list[str], path: Path) -> bool:
    """Plot events/s served and p99 ack latency against offered events/s, one column per batch size."""
    batches = sorted({row["batch_size"] for row in rows}, reverse=True)
    if not batches:
        return False
    figure, axes = plt.subplots(2, len(batches), figsize=(6 * len(batches), 8), squeeze=False)
    for column, batch in enumerate(batches):
        for system in systems:
            group = sorted(
                (row for row in rows if row["system"] == system and row["batch_size"] == batch),
                key=lambda row: row["offered_events_per_s"],
            )
            if not group:
                continue
            offered = [row["offered_events_per_s"] for row in group]
            served = [row["acked_events_per_s"] for row in group]
            p99 = [row["ack_latency_ms"].get("p99", float("nan")) for row in group]
            axes[0][column].plot(offered, served, marker="o", label=LABELS.get(system, system))
            axes[1][column].plot(offered, p99, marker="o", label=LABELS.get(system, system))
        top, bottom = axes[0][column], axes[1][column]
        top.set_title(f"{batch}-event requests, fixed offered rate")
        top.set_xlabel("offered events/s")
        top.set_ylabel("acknowledged events/s")
        top.grid(True, alpha=0.3)
        top.legend()
        bottom.set_xlabel("offered events/s")
        bottom.set_ylabel("ack latency p99, ms (log)")
        bottom.set_yscale("log")
        bottom.grid(True, alpha=0.3, which="both")
        bottom.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def sweep_table(rows: list[Row], systems: list[str]) -> list[str]:
    lines = [
        "| system | batch | offered events/s | acknowledged events/s | ack p50 ms | ack p99 ms "
        "| non-204 | unsent |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for batch in sorted({row["batch_size"] for row in rows}, reverse=True):
        for system in systems:
            for row in sorted(
                (row for row in rows if row["system"] == system and row["batch_size"] == batch),
                key=lambda row: row["offered_events_per_s"],
            ):
                latency = row["ack_latency_ms"]
                failed = row["non_204_in_window"] + row["errors_in_window"]
                lines.append(
                    f"| {LABELS.get(system, system)} | {batch} | {row['offered_events_per_s']:,.0f} | "
                    f"{row['acked_events_per_s']:,.0f} | {latency.get('p50', float('nan')):.1f} | "
                    f"{latency.get('p99', float('nan')):.1f} | {failed} | {row['unsent']} |"
                )
    return lines


def write_report(raw_path: Path, out: Path) -> Path:
    """Write `<out>/load-results.md` and `<out>/load-plot.png` from one raw results file."""
    header, rows = read_rows(raw_path)
    present = {row["system"] for row in rows}
    systems = [name for name in ("granian", "robyn", "baseline") if name in present]
    closed = [row for row in rows if row["phase"] == "closed"]
    fixed = [row for row in rows if row["phase"] == "fixed"]
    machine = header.get("machine", {})
    args = header.get("args", {})
    plot_path = out / "load-plot.png"
    plotted = plot_sweep(fixed, systems, plot_path)

    lines = [
        "# Load results (generated)",
        "",
        f"Generated by `make bench-load` from `{raw_path.name}`. Machine: {machine.get('cpu_model')}, "
        f"{machine.get('cpus')} CPUs, {machine.get('memory_gib')} GiB, kernel {machine.get('kernel')}, "
        f"Python {machine.get('python')}; load average at start {machine.get('load_average_at_start')}; "
        f"{machine.get('date')}.",
        f"System under test on CPU {args.get('server_cpus')}, load driver on CPU {args.get('driver_cpus')}, "
        f"Kafka unpinned. Closed loop: {args.get('connections')} connections, "
        f"{args.get('warmup')} s warm-up, {args.get('duration')} s window, "
        f"{args.get('repeats')} repetitions.",
        "Cells: median [min, max] over the repetitions.",
        "",
        "## Closed loop (maximum throughput)",
        "",
        *closed_table(closed, systems),
        "",
        "## Efficiency against the baseline (paired by repetition)",
        "",
        *efficiency_ratios(closed, systems),
        "",
    ]
    if fixed:
        lines += ["## Fixed offered rate", "", *sweep_table(fixed, systems), ""]
    if plotted:
        lines += [f"![throughput and p99 against offered load]({plot_path.name})", ""]
    path = out / "load-results.md"
    path.write_text("\n".join(lines))
    print(f"bench: wrote {path}" + (f" and {plot_path}" if plotted else ""))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="a load-<time>.jsonl file written by run.py")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results")
    args = parser.parse_args()
    write_report(args.raw, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
