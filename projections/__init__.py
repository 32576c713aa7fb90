"""Read models: each projection owns its tables and turns events into rows."""
