"""Read models: each projection owns its tables, turns events into rows, and offers the
queries pages call. Imports domain and projections.engine; never app."""
