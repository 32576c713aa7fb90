"""Development tools: demo data, the local identity provider, the embedded PostgreSQL and
test databases. Never imported by production code paths other than `tribune serve`."""
