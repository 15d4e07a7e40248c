"""int-hubspot service layer: HTTP front ends, Kafka producer, telemetry and command line.

Everything with runtime I/O lives here. The package layer, `int_hubspot`, never imports this package.
"""
