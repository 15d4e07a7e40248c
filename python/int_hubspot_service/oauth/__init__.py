"""The OAuth install flow and its wiring: services, route handlers and the module the gateway mounts."""
