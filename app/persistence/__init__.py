"""The asyncpg event store, the repository and mapping, migrations, the per-person key
vault and files kept with their events. Imports domain, projections.engine.contract and
app.settings only."""
