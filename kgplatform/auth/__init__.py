"""API keys with roles: who may call the API, and as whom their changes are audited."""
