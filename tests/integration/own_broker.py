"""A private single-node Kafka broker that a test may stop and restart.

The shared broker on 127.0.0.1:9092 must never be stopped. Tests of broker failure therefore start their
own KRaft node on free loopback ports, with its data in a temporary folder and the jars that
`scripts/kafka.sh` caches, and stop it by its PID only.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from tests.integration.conftest import ROOT, free_port

LOG4J_CONFIG = ROOT / "scripts" / "kafka" / "log4j2.properties"


def _kafka_libs() -> Path:
    versions = sorted((ROOT / ".cache" / "kafka").glob("*/libs/.complete"))
    if not versions:
        raise RuntimeError("no cached Kafka jars; run scripts/kafka.sh start once to fetch them")
    return versions[-1].parent


def _java() -> str:
    for candidate in ("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/java-21-openjdk-amd64"):
        if Path(candidate, "bin", "java").exists():
            return str(Path(candidate, "bin", "java"))
    return "java"


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class OwnBroker:
    """A KRaft broker and controller in one process, on `port`, with its data under `folder`."""

    folder: Path
    port: int
    controller_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> None:
        """Format the log folder on first start, start the broker and wait until it serves metadata."""
        config = self.folder / "server.properties"
        if not config.exists():
            self._write_config(config)
            self._format(config)
        classpath = f"{_kafka_libs()}/*"
        with (self.folder / "broker.log").open("ab") as log_file:
            self.process = subprocess.Popen(
                [
                    _java(),
                    "-Xms128m",
                    "-Xmx512m",
                    "-cp",
                    classpath,
                    f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
                    "kafka.Kafka",
                    str(config),
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"own broker exited with {self.process.returncode}")
            if _port_open(self.port):
                try:
                    AdminClient({"bootstrap.servers": self.bootstrap}).list_topics(timeout=2)
                    return
                except Exception:  # the broker is still starting
                    pass
            time.sleep(0.3)
        raise RuntimeError(f"own broker did not serve within {timeout_s:g} s")

    def stop(self) -> None:
        """Stop the broker by its PID: SIGTERM, then SIGKILL after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def create_topics(self, *names: str) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        new_topics = [NewTopic(name, num_partitions=3, replication_factor=1) for name in names]
        futures = admin.create_topics(new_topics)
        for future in futures.values():
            future.result(timeout=30)

    def _write_config(self, config: Path) -> None:
        data = self.folder / "data"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "",
                ]
            )
        )

    def _format(self, config: Path) -> None:
        classpath = f"{_kafka_libs()}/*"
        cluster_id = (
            subprocess.run(
                [_java(), "-cp", classpath, "kafka.tools.StorageTool", "random-uuid"],
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        subprocess.run(
            [
                _java(),
                "-cp",
                classpath,
                f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-c",
                str(config),
                "-t",
                cluster_id,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def new_broker(folder: Path) -> OwnBroker:
    folder.mkdir(parents=True, exist_ok=True)
    return OwnBroker(folder, free_port(), free_port())


__all__ = ["OwnBroker", "new_broker"]
