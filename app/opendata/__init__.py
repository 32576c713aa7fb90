"""Open data for programs: CSV and JSON downloads, the API and its OpenAPI description,
Atom feeds. An audience: imports web and projections, no other audience."""
