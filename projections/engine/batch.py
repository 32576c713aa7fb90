"""A batch of read-model changes, merged in memory and written in a few statements.

Handlers describe changes (`insert`, `update`, `execute`); the batch merges them
per row, in event order, then writes each table with one statement per shape of
change: new rows by one `INSERT ... SELECT FROM unnest(...)` (by binary COPY when there
are many), changed rows by one `UPDATE ... FROM unnest(...)`.
A replay of a million events is thousands of statements, not millions.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

COPY_FROM = 100  # rows of one shape


class Executor(Protocol):
    async def execute(self, query: str, *args: Any) -> str: ...
    async def copy_records_to_table(
        self, table_name: str, *, records: Any, columns: Sequence[str]
    ) -> str: ...


@dataclass(frozen=True, eq=False)  # one object per table: hashed by identity
class Table:
    """A read table: its key column and the PostgreSQL type of every column."""

    name: str
    key: str
    types: dict[str, str]

    def arrays(self, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
        """One list per column; every row has every column (`_by_shape` grouped them)."""
        return [list(map(itemgetter(column), rows)) for column in columns]

    def unnest(self, columns: Sequence[str]) -> str:
        casts = ", ".join(f"${i}::{self.types[c]}[]" for i, c in enumerate(columns, 1))
        return f"unnest({casts}) AS u({', '.join(columns)})"


@dataclass
class _Changes:
    inserted: dict[Hashable, dict[str, Any]] = field(default_factory=dict)
    updated: dict[Hashable, dict[str, Any]] = field(default_factory=dict)


class Batch:
    def __init__(self) -> None:
        self._changes: dict[Table, _Changes] = {}
        self._statements: list[tuple[str, tuple[Any, ...]]] = []

    def _of(self, table: Table) -> _Changes:
        changes = self._changes.get(table)
        if changes is None:
            changes = self._changes[table] = _Changes()
        return changes

    def insert(self, table: Table, **row: Any) -> None:
        self._of(table).inserted[row[table.key]] = row

    def update(self, table: Table, key: Hashable, **columns: Any) -> None:
        """Change columns of a row, whether it was inserted in this batch or before."""
        changes = self._of(table)
        target = changes.inserted.get(key)
        if target is None:
            target = changes.updated.setdefault(key, {table.key: key})
        target.update(columns)

    def execute(self, sql: str, *args: Any) -> None:
        """A statement of its own, run after the merged rows (e.g. an erasure)."""
        self._statements.append((sql, args))

    def __len__(self) -> int:
        rows = sum(len(c.inserted) + len(c.updated) for c in self._changes.values())
        return rows + len(self._statements)

    async def write(self, conn: Executor) -> None:
        for table, changes in self._changes.items():
            for columns, rows in _by_shape(changes.inserted.values()):
                await _insert(conn, table, columns, rows)
            for columns, rows in _by_shape(changes.updated.values()):
                sets = ", ".join(f"{c} = u.{c}" for c in columns if c != table.key)
                await conn.execute(
                    f"UPDATE {table.name} SET {sets} FROM {table.unnest(columns)}"
                    f" WHERE {table.name}.{table.key} = u.{table.key}",
                    *table.arrays(columns, rows),
                )
        for sql, args in self._statements:
            await conn.execute(sql, *args)


async def _insert(
    conn: Executor, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """A few rows (following the store) in one statement; many (a replay) by binary COPY,
    which costs a round trip more but skips asyncpg's per-element array checks."""
    if len(rows) < COPY_FROM:
        await conn.execute(
            f"INSERT INTO {table.name} ({', '.join(columns)})"
            f" SELECT * FROM {table.unnest(columns)}",
            *table.arrays(columns, rows),
        )
        return
    records = map(itemgetter(*columns), rows) if len(columns) > 1 else _one(rows)
    await conn.copy_records_to_table(table.name, records=records, columns=columns)


def _by_shape(
    rows: Sequence[dict[str, Any]] | Any,
) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Rows grouped by their columns, in the order the handler gave them (the same
    handler gives the same order, so sorting each row's keys would be wasted)."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shape = tuple(row)
        group = shapes.get(shape)
        if group is None:
            shapes[shape] = [row]
        else:
            group.append(row)
    return list(shapes.items())


def _one(rows: Sequence[dict[str, Any]]) -> list[tuple[Any]]:
    """Records of a single column (itemgetter of one name gives a value, not a tuple)."""
    return [(value,) for row in rows for value in row.values()]
