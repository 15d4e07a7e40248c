"""OpenTelemetry export of the gateway's aggregates: Prometheus text on `/metrics`, OTLP when configured.

Counters and gauges are observable instruments whose callbacks read `CounterSet` snapshots. The SDK has
no observable histogram, so histogram data points are built from `HistogramSet` snapshots and appended
to each collection before it reaches the Prometheus reader or the OTLP exporter. Both readers then see
ordinary OpenTelemetry metrics data.

OTLP export is on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set; the
exporter reads the other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout, TLS) itself. Only
the http/protobuf protocol is installed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from prometheus_client import CollectorRegistry

from int_hubspot_service.telemetry.aggregates import CounterSet, HistogramSet

__all__ = ["HistogramSpec", "MetricsExport", "otlp_configured"]

SCOPE_NAME = "int_hubspot_service"

OTLP_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")


def otlp_configured(environ: Mapping[str, str]) -> bool:
    """Return True when a standard OTLP endpoint variable is set."""
    return any(environ.get(name, "").strip() for name in OTLP_ENDPOINT_VARIABLES)


@dataclass(frozen=True, slots=True)
class HistogramSpec:
    """A histogram to export: its name, description, unit and aggregate."""

    name: str
    description: str
    unit: str
    histograms: HistogramSet


class _HistogramSource:
    """Builds cumulative histogram metrics from `HistogramSet` snapshots and merges them into collections."""

    def __init__(self, specs: Sequence[HistogramSpec], resource: Resource) -> None:
        self._specs = specs
        self._resource = resource
        self._scope = InstrumentationScope(SCOPE_NAME)
        self._start_ns = time.time_ns()

    def metrics(self) -> list[Metric]:
        now_ns = time.time_ns()
        metrics: list[Metric] = []
        for spec in self._specs:
            points = [
                HistogramDataPoint(
                    attributes=dict(zip(spec.histograms.label_names, labels, strict=True)),
                    start_time_unix_nano=self._start_ns,
                    time_unix_nano=now_ns,
                    count=snapshot.count,
                    sum=snapshot.sum,
                    bucket_counts=snapshot.bucket_counts,
                    explicit_bounds=spec.histograms.bounds,
                    min=snapshot.min,
                    max=snapshot.max,
                )
                for labels, snapshot in spec.histograms.snapshot().items()
            ]
            if points:
                data = Histogram(
                    data_points=points, aggregation_temporality=AggregationTemporality.CUMULATIVE
                )
                metrics.append(Metric(spec.name, spec.description, spec.unit, data))
        return metrics

    def merge(self, metrics_data: MetricsData) -> MetricsData:
        """Return `metrics_data` with the histogram metrics added to the gateway's scope.

        The OTLP encoder groups metrics by scope and keeps one entry per scope, so the histograms join
        the existing scope instead of forming a second one with the same name.
        """
        extra = self.metrics()
        if not extra:
            return metrics_data
        resource_metrics = list(metrics_data.resource_metrics)
        if not resource_metrics:
            scope_metrics = ScopeMetrics(self._scope, extra, "")
            return MetricsData([ResourceMetrics(self._resource, [scope_metrics], "")])

        first = resource_metrics[0]
        scopes = list(first.scope_metrics)
        for index, scope_metrics in enumerate(scopes):
            if scope_metrics.scope.name == SCOPE_NAME:
                scopes[index] = ScopeMetrics(
                    scope_metrics.scope, [*scope_metrics.metrics, *extra], scope_metrics.schema_url
                )
                break
        else:
            scopes.append(ScopeMetrics(self._scope, extra, ""))
        resource_metrics[0] = ResourceMetrics(first.resource, scopes, first.schema_url)
        return MetricsData(resource_metrics)


class _PrometheusReader(PrometheusMetricReader):
    """The Prometheus reader, with the histogram metrics merged into each collection."""

    def __init__(self, registry: CollectorRegistry, source: _HistogramSource) -> None:
        super().__init__(scope_info_enabled=False, registry=registry)
        self._source = source

    def _receive_metrics(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> None:
        super()._receive_metrics(self._source.merge(metrics_data), timeout_millis, **kwargs)


class _MergingExporter(MetricExporter):
    """Wraps an exporter (the OTLP one) and adds the histogram metrics to each export."""

    def __init__(self, inner: MetricExporter, source: _HistogramSource) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self._inner = inner
        self._source = source

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        return self._inner.export(self._source.merge(metrics_data), timeout_millis=timeout_millis, **kwargs)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._inner.shutdown(timeout_millis=timeout_millis, **kwargs)


Callback = Callable[[CallbackOptions], Iterable[Observation]]


def counter_callback(counters: CounterSet) -> Callback:
    """Return an observable-counter callback that reports every count of `counters`."""
    names = counters.label_names

    def observe(_options: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(value, dict(zip(names, labels, strict=True)))
            for labels, value in counters.snapshot().items()
        ]

    return observe


class MetricsExport:
    """Owns the meter provider, the Prometheus registry and, when configured, the OTLP reader."""

    def __init__(
        self,
        histograms: Sequence[HistogramSpec],
        environ: Mapping[str, str],
        otlp_exporter: MetricExporter | None = None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", "int-hubspot")})
        source = _HistogramSource(histograms, resource)
        readers: list[MetricReader] = [_PrometheusReader(self.registry, source)]

        if otlp_exporter is None and otlp_configured(environ):
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (  # noqa: PLC0415
                OTLPMetricExporter,
            )

            otlp_exporter = OTLPMetricExporter()
        self.otlp_enabled = otlp_exporter is not None
        if otlp_exporter is not None:
            readers.append(PeriodicExportingMetricReader(_MergingExporter(otlp_exporter, source)))

        self.provider = MeterProvider(metric_readers=readers, resource=resource)
        self.meter = self.provider.get_meter(SCOPE_NAME)

    def shutdown(self) -> None:
        """Export once more over OTLP (when enabled) and stop the readers."""
        self.provider.shutdown()
