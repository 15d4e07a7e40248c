"""Wait until a Kafka broker responds, then create topics that do not exist yet.

    python scripts/kafka_topics.py --bootstrap 127.0.0.1:9092 --topic hubspot.events:12 --topic ...

Used by scripts/kafka.sh and by the tests; existing topics are left as they are.
"""

from __future__ import annotations

import argparse
import sys
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="broker address host:port")
    parser.add_argument("--topic", action="append", default=[], help="NAME:PARTITIONS, repeatable")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the broker")
    args = parser.parse_args()

    # log_level 2 keeps librdkafka quiet while the broker is still starting (connection refused).
    admin = AdminClient({"bootstrap.servers": args.bootstrap, "log_level": 2})
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            existing = set(admin.list_topics(timeout=2).topics)
            break
        except KafkaException as error:
            if time.monotonic() > deadline:
                print(f"kafka_topics: broker {args.bootstrap} did not answer in {args.timeout:g} s: {error}")
                return 1
            time.sleep(0.5)

    missing_topics = []
    for spec in args.topic:
        name, _, partitions = spec.partition(":")
        if name not in existing:
            missing_topics.append(NewTopic(name, num_partitions=int(partitions or 1), replication_factor=1))
    if missing_topics:
        for name, future in admin.create_topics(missing_topics).items():
            try:
                future.result(timeout=30)
            except KafkaException as error:
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    print(f"kafka_topics: creating {name} failed: {error}", file=sys.stderr)
                    return 1
            print(f"kafka_topics: created {name}", file=sys.stderr)
    print(f"kafka_topics: broker {args.bootstrap} is ready", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
