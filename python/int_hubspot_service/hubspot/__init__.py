"""HubSpot clients: the OAuth token endpoints, access-token refresh and rate-limited API calls."""
