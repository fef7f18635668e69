"""Genesys Cloud API client and Dagster resource: auth, retries, rate limit, paging.

Modules: `regions` (where the API lives), `errors`, `retry` (what to retry and how long to wait),
`rate_limit` (per-client request pacing), `auth` (client-credentials tokens), `transport` (one
HTTP exchange with retries), `paging` (the details query's 100,000-result cap), `client` (the
endpoints the exporter uses) and `resource` (the Dagster resource and its environment settings).
"""
