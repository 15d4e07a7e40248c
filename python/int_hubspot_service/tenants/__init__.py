"""Tenant administration: status and uninstall routes, the admin bearer check and lifecycle records."""
