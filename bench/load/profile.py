"""Profile one system under closed-loop load: CPU per thread from /proc, and py-spy samples of Python.

    python bench/load/profile.py --system granian --batch 100 [--seconds 8] [--out bench/results]

The per-thread split (Python event loop, Kafka poller, librdkafka threads, server I/O threads) comes
from /proc/<pid>/task/*/stat, so it includes native threads that py-spy does not sample. py-spy
(`record --native --format raw`) samples the Python threads and attributes time to the innermost
frame. The report lists the frames with the most samples and the share of a few known costs.
Writes `<out>/profile-<system>-<batch>.md`; the raw py-spy stacks stay in `<out>/raw/`.
"""

from __future__ import annotations

import argparse
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import kafka_count
import procstat
import systems

ROOT = systems.ROOT
DRIVER = ROOT / "bench" / "loadgen" / "hubspot-load"
SAMPLES = ROOT.parent / "shared" / "hubspot" / "samples"

# Known costs, matched against every frame of a stack (inclusive): label -> regular expression.
CATEGORIES = {
    "normalize_batch (native)": r"normalize_batch|int_hubspot::normalize",
    "normalize_batch (reference, Python)": r"int_hubspot/ocel/",
    "signature check": r"verify_signature|int_hubspot::signature|Signature\.is_valid|hmac",
    "Producer.produce and delivery callbacks": (
        r"\bproduce\b|rd_kafka_produce|on_event_delivery|on_delivery|_settle_one"
    ),
    "Producer.poll (waiting included)": r"\bpoll\b.*confluent|Producer_poll|rd_kafka_poll",
    "asyncio / event loop": r"asyncio|uvloop|run_forever|_run_once",
    "HTTP server and framework": r"granian|robyn|starlette|fastapi|uvicorn|httptools",
}


def thread_cpu(root: int) -> dict[str, float]:
    """Return CPU seconds per thread name, summed over the process tree of `root`."""
    usage: Counter[str] = Counter()
    for pid in procstat.process_tree(root):
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                text = (task / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            # Number the librdkafka broker threads alike, so runs compare.
            name = re.sub(r"\d+$", "N", name)
            usage[name] += (int(fields[11]) + int(fields[12])) / procstat.CLOCK_TICKS
    return dict(usage)


def parse_raw(path: Path) -> list[tuple[list[str], int]]:
    """Read py-spy's raw (collapsed) output: `frame;frame;... count` per line."""
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def summarize_stacks(stacks: list[tuple[list[str], int]]) -> tuple[int, Counter[str], Counter[str]]:
    total = sum(count for _frames, count in stacks)
    leaves: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for frames, count in stacks:
        leaves[frames[-1]] += count
        joined = ";".join(frames)
        for label, pattern in CATEGORIES.items():
            if re.search(pattern, joined):
                categories[label] += count
    return total, leaves, categories


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", choices=systems.SYSTEMS, default="granian")
    parser.add_argument("--batch", type=int, default=100, help="events per request")
    parser.add_argument("--seconds", type=float, default=8.0, help="profiled window")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--no-py-spy", action="store_true", help="only read per-thread CPU")
    args = parser.parse_args()

    secret = secrets.token_urlsafe(24)
    topics = kafka_count.create_topics(args.bootstrap, args.system)
    raw_dir = args.out / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    raw_path = raw_dir / f"py-spy-{args.system}-{args.batch}.txt"
    env = {
        "INT_HUBSPOT_CLIENT_SECRET": secret,
        "INT_HUBSPOT_KAFKA_BOOTSTRAP": args.bootstrap,
        "INT_HUBSPOT_EVENTS_TOPIC": topics.events,
        "INT_HUBSPOT_DLQ_TOPIC": topics.dlq,
    }
    try:
        target = systems.start(args.system, env, raw_dir, "1")
        try:
            driver = subprocess.Popen(
                [
                    "taskset", "-c", "0", str(DRIVER), f"-url={target.url}", f"-samples={SAMPLES}",
                    f"-batch={args.batch}", f"-connections={args.connections}", "-warmup=2s",
                    f"-duration={args.seconds + 2}s",
                ],
                env={"INT_HUBSPOT_CLIENT_SECRET": secret},
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(2.5)
            before = thread_cpu(target.process.pid)
            spy = None
            if not args.no_py_spy:
                spy_argv = [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(target.process.pid),
                ]
                spy_argv += [
                    "--subprocesses",
                    "--native",
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                ]
                spy_argv += ["--duration", str(int(args.seconds)), "--output", str(raw_path)]
                spy = threading.Thread(target=subprocess.run, args=(spy_argv,), kwargs={"check": False})
                spy.start()
            time.sleep(args.seconds)
            after = thread_cpu(target.process.pid)
            if spy is not None:
                spy.join(timeout=60)
            driver.wait(timeout=120)
        finally:
            systems.stop(target)
    finally:
        kafka_count.delete_topics(args.bootstrap, topics)

    lines = [f"# Profile: {args.system}, {args.batch}-event requests, closed loop", ""]
    lines += ["CPU seconds per thread over the window (all processes of the server):", ""]
    lines += ["| thread | CPU s | share |", "|---|---:|---:|"]
    deltas = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in after}
    total_cpu = sum(deltas.values()) or 1.0
    for name, value in sorted(deltas.items(), key=lambda item: -item[1]):
        if value > 0:
            lines.append(f"| {name} | {value:.2f} | {value / total_cpu:.0%} |")
    if not args.no_py_spy and raw_path.exists():
        total, leaves, categories = summarize_stacks(parse_raw(raw_path))
        lines += [
            "",
            f"py-spy: {total} samples of Python threads.",
            "",
        ]
        lines += ["| known cost (inclusive) | share of samples |", "|---|---:|"]
        for label, count in categories.most_common():
            lines.append(f"| {label} | {count / max(1, total):.0%} |")
        lines += ["", "| innermost frame | share of samples |", "|---|---:|"]
        for frame, count in leaves.most_common(15):
            lines.append(f"| `{frame[:110]}` | {count / max(1, total):.1%} |")
    path = args.out / f"profile-{args.system}-{args.batch}.md"
    path.write_text("\n".join(lines) + "\n")
    print(f"profile: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
