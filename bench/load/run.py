"""Side-by-side load runs of int-hubspot (Granian, Robyn) and the FastAPI baseline against local Kafka.

    python bench/load/run.py [--repeats 3] [--duration 8] [--out bench/results]

Phase 1 runs a closed loop per batch size (1, 10, 100 events) for every system, repeated `--repeats`
times with the system order rotated each time, so slow drifts of the shared machine hit every system
alike. Phase 2 offers fixed rates (fractions of the fastest system's closed-loop rate) for the plot of
throughput and p99 against offered load. Each system start gets fresh topics. The records are counted
after the system stops, by broker append time, so counting costs no CPU during a run.

The load driver (bench/loadgen, Go) runs on `--driver-cpus`, the system under test on `--server-cpus`.
Results go to `<out>/raw/load-<time>.jsonl` (one line per run) and the report to `<out>/load-results.md`
and `<out>/load-plot.png`. Every process this script starts is stopped by its PID when it ends.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kafka_count
import procstat
import report
import systems

ROOT = systems.ROOT
DRIVER = ROOT / "bench" / "loadgen" / "hubspot-load"
SAMPLES = ROOT.parent / "shared" / "hubspot" / "samples"


@dataclass
class RunSpec:
    """One driver invocation."""

    phase: str  # "closed" or "fixed"
    batch_size: int
    connections: int
    rate: float = 0.0  # requests per second; 0 for a closed loop
    repeat: int = 0


@dataclass
class Measured:
    """A run's driver summary and what was sampled around its measurement window."""

    spec: RunSpec
    driver: dict[str, Any]
    cpu_s: float
    driver_cpu_s: float
    busy: dict[str, float]
    window_start_s: float
    window_end_s: float
    extra: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", default=",".join(systems.SYSTEMS), help="comma-separated systems to run")
    parser.add_argument("--batches", default="1,10,100", help="events per request for the closed-loop runs")
    parser.add_argument("--repeats", type=int, default=3, help="closed-loop repetitions per system and batch")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up before each window, in seconds")
    parser.add_argument("--duration", type=float, default=8.0, help="closed-loop measurement window, in s")
    parser.add_argument("--connections", type=int, default=64, help="closed-loop keep-alive connections")
    parser.add_argument("--sweep-batches", default="100,1", help="batch sizes of the fixed-rate sweep")
    parser.add_argument(
        "--sweep-fractions",
        default="0.1,0.25,0.5,0.75,1.0",
        help="offered rates as fractions of the fastest system's closed-loop rate",
    )
    parser.add_argument("--sweep-duration", type=float, default=5.0, help="fixed-rate window, in seconds")
    parser.add_argument("--sweep-connections", type=int, default=128, help="fixed-rate connections")
    parser.add_argument("--server-cpus", default="1", help="taskset CPU list of the system under test")
    parser.add_argument("--driver-cpus", default="0", help="taskset CPU list of the load driver")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="output folder")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="HubSpot sample batches")
    return parser.parse_args(argv)


def build_driver() -> None:
    subprocess.run(["go", "build", "-o", str(DRIVER), "."], cwd=DRIVER.parent, check=True, timeout=300)


def run_driver(
    args: argparse.Namespace, target: systems.RunningSystem, spec: RunSpec, secret: str
) -> Measured:
    """Run the driver once against `target`, sampling the target's CPU at the window's edges."""
    duration = args.duration if spec.phase == "closed" else args.sweep_duration
    argv = [
        str(DRIVER),
        f"-url={target.url}",
        f"-samples={args.samples}",
        f"-batch={spec.batch_size}",
        f"-connections={spec.connections}",
        f"-rate={spec.rate:.3f}",
        f"-warmup={args.warmup}s",
        f"-duration={duration}s",
    ]
    if args.driver_cpus:
        argv = ["taskset", "-c", args.driver_cpus, *argv]
    env = {"INT_HUBSPOT_CLIENT_SECRET": secret, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, text=True)
    assert process.stdout is not None
    marks: dict[str, tuple[float, float, float, dict[str, tuple[int, int]]]] = {}
    summary: dict[str, Any] = {}
    for line in process.stdout:
        message = json.loads(line)
        event = message["event"]
        if event in ("window_start", "window_end"):
            cpu_s, _rss = procstat.tree_usage(target.process.pid)
            driver_cpu_s, _ = procstat.tree_usage(process.pid)
            marks[event] = (time.time(), cpu_s, driver_cpu_s, procstat.cpu_busy_ticks())
        elif event == "result":
            summary = message
    if process.wait(timeout=120) != 0 or not summary or len(marks) != 2:
        raise RuntimeError(f"load driver failed for {spec} (exit {process.returncode})")

    start, end = marks["window_start"], marks["window_end"]
    return Measured(
        spec=spec,
        driver=summary,
        cpu_s=end[1] - start[1],
        driver_cpu_s=end[2] - start[2],
        busy=procstat.busy_fraction(start[3], end[3]),
        window_start_s=start[0],
        window_end_s=end[0],
    )


def run_block(
    args: argparse.Namespace, system: str, specs: list[RunSpec], log_dir: Path
) -> list[dict[str, Any]]:
    """Start `system` on fresh topics, run `specs` against it, stop it, count the records."""
    secret = secrets.token_urlsafe(24)
    topics = kafka_count.create_topics(args.bootstrap, system)
    env = {
        "INT_HUBSPOT_CLIENT_SECRET": secret,
        "INT_HUBSPOT_KAFKA_BOOTSTRAP": args.bootstrap,
        "INT_HUBSPOT_EVENTS_TOPIC": topics.events,
        "INT_HUBSPOT_DLQ_TOPIC": topics.dlq,
    }
    measured: list[Measured] = []
    try:
        target = systems.start(system, env, log_dir, args.server_cpus or None)
        sampler = procstat.RssSampler(target.process.pid)
        sampler.start()
        try:
            for spec in specs:
                run = run_driver(args, target, spec, secret)
                run.extra["server_cpu_name"] = (
                    f"cpu{args.server_cpus}" if args.server_cpus.isdigit() else None
                )
                run.extra["peak_rss_bytes"] = sampler.peak_between(
                    run.window_start_s - args.warmup, run.window_end_s
                )
                measured.append(run)
                print(f"bench: {system:8} {describe(run)}", flush=True)
                time.sleep(1.0)  # let the last acknowledgements drain before the next run
        finally:
            sampler.stop()
            systems.stop(target)

        windows = [
            kafka_count.WindowCount(run.driver["window_start_unix_ms"], run.driver["window_end_unix_ms"])
            for run in measured
        ]
        totals = kafka_count.count_topic(args.bootstrap, topics.events, windows)
    finally:
        kafka_count.delete_topics(args.bootstrap, topics)
    return [to_row(system, run, window, totals) for run, window in zip(measured, windows, strict=True)]


def describe(run: Measured) -> str:
    driver = run.driver
    latency = driver["ack_latency_ms"]
    return (
        f"{run.spec.phase:6} batch={run.spec.batch_size:<3} rate={run.spec.rate:>8.0f} "
        f"accepted={driver['accepted_requests_per_s']:>8.0f}/s p99={latency.get('p99', 0):7.1f} ms "
        f"cpu={run.cpu_s:5.2f} s"
    )


def to_row(
    system: str, run: Measured, window: kafka_count.WindowCount, totals: kafka_count.TopicCount
) -> dict[str, Any]:
    """Flatten one run into the JSON row the report reads."""
    driver = run.driver
    seconds = driver["window_s"]
    acked_events = driver["acked_events_per_s"] * seconds
    latencies = sorted(window.latencies_ms)
    landing = {}
    if latencies:
        landing = {
            f"p{q}": latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))] for q in (50, 95, 99)
        }
    non_204 = sum(count for status, count in driver["window_status"].items() if status != "204")
    return {
        "system": system,
        "phase": run.spec.phase,
        "repeat": run.spec.repeat,
        "batch_size": run.spec.batch_size,
        "connections": run.spec.connections,
        "offered_requests_per_s": run.spec.rate,
        "offered_events_per_s": run.spec.rate * run.spec.batch_size,
        "window_s": seconds,
        "accepted_requests_per_s": driver["accepted_requests_per_s"],
        "acked_events_per_s": driver["acked_events_per_s"],
        "landed_events_per_s": window.records / seconds,
        "ack_latency_ms": driver["ack_latency_ms"],
        "receive_to_append_ms": landing,
        "non_204_in_window": non_204,
        "errors_in_window": driver["window_errors"],
        "unsent": driver["unsent"],
        "repeated_requests": driver["repeated_requests"],
        "topic_records": totals.records,
        "topic_duplicates": totals.duplicates,
        "gateway_cpu_s": run.cpu_s,
        "cpu_s_per_1k_events": 1000 * run.cpu_s / acked_events if acked_events else None,
        "events_per_cpu_s": acked_events / run.cpu_s if run.cpu_s else None,
        "cpu_us_per_request": 1e6 * run.cpu_s / (driver["accepted_requests_per_s"] * seconds)
        if driver["accepted_requests_per_s"]
        else None,
        "driver_cpu_s": run.driver_cpu_s,
        "cpu_busy": run.busy,
        "peak_rss_mb": run.extra["peak_rss_bytes"] / 2**20,
        "server_cpu_name": run.extra["server_cpu_name"],
    }


def closed_loop_phase(
    args: argparse.Namespace, names: list[str], log_dir: Path, sink: Any
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    batches = [int(value) for value in args.batches.split(",")]
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for system in names[shift:] + names[:shift]:
            specs = [RunSpec("closed", batch, args.connections, 0.0, repeat) for batch in batches]
            for row in run_block(args, system, specs, log_dir):
                rows.append(row)
                sink.write(json.dumps(row) + "\n")
                sink.flush()
    return rows


def sweep_phase(
    args: argparse.Namespace, names: list[str], closed: list[dict[str, Any]], log_dir: Path, sink: Any
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    fractions = [float(value) for value in args.sweep_fractions.split(",")]
    for batch in [int(value) for value in args.sweep_batches.split(",") if value]:
        maxima = [
            statistics.median(
                row["accepted_requests_per_s"]
                for row in closed
                if row["system"] == system and row["batch_size"] == batch
            )
            for system in names
            if any(row["system"] == system and row["batch_size"] == batch for row in closed)
        ]
        if not maxima:
            print(f"bench: no closed-loop runs with batch {batch}; skipping its sweep")
            continue
        peak = max(maxima)
        for system in names:
            specs = [
                RunSpec("fixed", batch, args.sweep_connections, fraction * peak) for fraction in fractions
            ]
            for row in run_block(args, system, specs, log_dir):
                rows.append(row)
                sink.write(json.dumps(row) + "\n")
                sink.flush()
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [name for name in args.systems.split(",") if name]
    unknown = set(names) - set(systems.SYSTEMS)
    if unknown:
        print(f"bench: unknown systems {sorted(unknown)}; choose from {', '.join(systems.SYSTEMS)}")
        return 2
    if not args.samples.is_dir():
        print(f"bench: sample folder {args.samples} not found; pass --samples")
        return 2

    build_driver()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    raw_dir = args.out / "raw"
    log_dir = raw_dir / f"logs-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    raw_path = raw_dir / f"load-{stamp}.jsonl"
    machine = report.describe_machine()
    began = time.monotonic()
    with raw_path.open("w") as sink:
        sink.write(
            json.dumps({"machine": machine, "args": {k: str(v) for k, v in vars(args).items()}}) + "\n"
        )
        closed = closed_loop_phase(args, names, log_dir, sink)
        sweep_phase(args, names, closed, log_dir, sink)
    print(f"bench: runs took {time.monotonic() - began:.0f} s; raw results in {raw_path}")
    report.write_report(raw_path, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
