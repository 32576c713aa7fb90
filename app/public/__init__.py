"""What anyone reads: consultations, published opinions, statistics, the ledger and the
published documents. An audience: imports web, services and projections, no other audience."""
