"""Keycloak as the tenant and token store: realm definition, bootstrap, admin client and tenant store."""
