"""Feature tables partitioned by layer: one partition per imported layer, a default one for the rest.

A replace import loads a new table with no index and no foreign key, builds its indexes in bulk and
swaps it in for the layer's old partition inside the import's transaction. PostgreSQL then checks the
foreign keys with one query per key instead of one trigger per row, and no other layer's index is touched.
Everything here reads the parent's own definitions from the catalog, so a new kind needs no code here.

The loading table is committed before its indexes are built, so that several connections build them side by
side: it is no partition yet, and nothing reads it until the import's own transaction swaps it in.
"""

import re
import secrets
import threading
from collections.abc import Callable

from psycopg import errors as pg_errors
from psycopg import sql

__all__ = ["is_partitioned", "layer_partition", "loading_name", "create_loading_table", "held_here",
           "index_loading_table", "swap_in", "partition_by_layer", "drop_layer_partitions", "DuplicateKey"]

# Waiting this long for readers of the parent (tiles, exports) to let go, several times, before giving up:
# the swap takes an exclusive lock, and queries arriving meanwhile queue behind it.
SWAP_LOCK_TIMEOUT = "5s"
SWAP_ATTEMPTS = 6


class DuplicateKey(ValueError):
    """Two rows of a load share a key that must be unique; `key` is how PostgreSQL printed it."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [table])
    return cursor.fetchone()[0]


def partition_name(table: str, layer_id: int) -> str:
    return f"{table}_l{layer_id}"


def layer_partition(cursor, table: str, layer_id: int) -> str | None:
    """The partition that holds only this layer, if it has one (otherwise its rows are in the default)."""
    cursor.execute("""
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(%s) AND pg_get_expr(c.relpartbound, c.oid) = %s
    """, [table, f"FOR VALUES IN ('{int(layer_id)}')"])
    row = cursor.fetchone()
    return row[0] if row else None


def loading_name(table: str, layer_id: int) -> str:
    return f"{partition_name(table, layer_id)}_load"


def create_loading_table(cursor, table: str, layer_id: int) -> str:
    """A table shaped like the parent (defaults, the id sequence, generated columns), with no index yet.

    Its check that every row is this layer's is tested row by row as rows arrive, and lets ATTACH skip the
    scan that would prove it."""
    name = loading_name(table, layer_id)
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS, "
                           "CONSTRAINT {} CHECK (layer_id = {}))").format(
        sql.Identifier(name), sql.Identifier(table), sql.Identifier(f"{name}_layer"), sql.Literal(int(layer_id))))
    return name


def held_here(cursor, table: str, loading: str) -> bool:
    """Whether this session's transaction holds a lock that another session loading `loading` could wait for:
    one taken on the parent by an earlier swap in the same transaction (the table it swapped in may still carry
    the loading name for other sessions), or any on the loading table."""
    cursor.execute("""
        SELECT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND (
               relation = to_regclass(%s) AND mode NOT IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock')
               OR relation = to_regclass(%s)))
    """, [table, loading])
    return cursor.fetchone()[0]


def _parent_keys(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the parent's primary key and unique constraints."""
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u') ORDER BY contype, conname", [table])
    return cursor.fetchall()


def _parent_indexes(cursor, table: str) -> list[str]:
    """CREATE INDEX statements of the parent's indexes that back no constraint."""
    cursor.execute("""
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
         WHERE i.indrelid = to_regclass(%s)
           AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
         ORDER BY i.indexrelid
    """, [table])
    return [row[0] for row in cursor.fetchall()]


_ON_TABLE = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ")
_KEY = re.compile(r"^(PRIMARY KEY|UNIQUE) (\([^()]*\))$")


def _build_plan(table: str, name: str, keys: list[tuple[str, str]], indexes: list[str]):
    """(CREATE INDEX statements, keys first; the ALTER TABLEs that make the key indexes the table's keys)."""
    target = sql.Identifier(name)
    builds, adopt = [], []
    # Named once per load: the partition it replaces still holds its own keys' indexes until the swap.
    token = secrets.token_hex(4)
    for number, (_conname, definition) in enumerate(keys):
        found = _KEY.match(definition)
        if found is None:  # a key of another shape: added by ALTER TABLE alone, after the indexes
            adopt.append(sql.SQL("ALTER TABLE {} ADD {}").format(target, sql.SQL(definition)))
            continue
        index = sql.Identifier(f"{name}_k{number}_{token}")
        builds.append(sql.SQL("CREATE UNIQUE INDEX {} ON {} {}").format(index, target, sql.SQL(found.group(2))))
        adopt.append(sql.SQL("ALTER TABLE {} ADD {} USING INDEX {}").format(target, sql.SQL(found.group(1)), index))
    for statement in indexes:
        builds.append(sql.SQL(_ON_TABLE.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX ON {{}} ", statement))
                      .format(target))
    return builds, adopt


def index_loading_table(cursor, table: str, name: str, *, connect: Callable | None = None, workers: int = 1) -> None:
    """Give the loaded table the parent's keys and indexes, so attaching it adopts them instead of building.

    With `connect` (the table committed), each index is built on a connection of its own, `workers` at a time:
    one build uses one core. Without, one after the other on `cursor`, in its transaction. Keys come first: a
    duplicate key fails there and stops the other builds.
    """
    builds, adopt = _build_plan(table, name, _parent_keys(cursor, table), _parent_indexes(cursor, table))
    if connect is None or workers < 2:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # sorts in memory, not on disk
        try:
            for statement in [*builds, *adopt]:
                cursor.execute(statement)
        except pg_errors.UniqueViolation as exc:
            raise DuplicateKey(str(exc.diag.message_detail or "")) from exc
        return
    pending, lock, failures, running = list(reversed(builds)), threading.Lock(), [], []

    def build() -> None:
        with connect() as conn:
            conn.autocommit = True
            # Sorts for the index in memory instead of on disk; this session's setting only.
            conn.execute("SET maintenance_work_mem = '512MB'")
            with lock:
                running.append(conn)
            while True:
                with lock:
                    if failures or not pending:
                        return
                    statement = pending.pop()
                try:
                    conn.execute(statement)
                except Exception as exc:  # noqa: BLE001 (any failure stops the others and is raised below)
                    with lock:
                        first = not failures
                        failures.append(exc)
                        others = [c for c in running if c is not conn]
                    if first:
                        for other in others:
                            other.cancel_safe()
                    return

    threads = [threading.Thread(target=build, name=f"index-{n}") for n in range(max(1, min(workers, len(builds))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        first = failures[0]
        if isinstance(first, pg_errors.UniqueViolation):
            raise DuplicateKey(str(first.diag.message_detail or "")) from first
        raise first
    with connect() as conn:
        for statement in adopt:
            conn.execute(statement)


def swap_in(cursor, table: str, layer_id: int, name: str) -> None:
    """Make the loaded table the layer's partition: the old partition (or the layer's default rows) goes."""
    parent = sql.Identifier(table)
    # Rows written earlier in this transaction (an outer one) may still owe their deferred foreign-key
    # checks, and PostgreSQL drops no table with checks pending: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET LOCAL lock_timeout = %s", [SWAP_LOCK_TIMEOUT])
    for attempt in range(SWAP_ATTEMPTS):
        cursor.execute("SAVEPOINT swap")
        try:
            _swap(cursor, table, parent, layer_id, name)
        except pg_errors.LockNotAvailable:
            cursor.execute("ROLLBACK TO SAVEPOINT swap")
            if attempt == SWAP_ATTEMPTS - 1:
                raise
            continue
        cursor.execute("RELEASE SAVEPOINT swap")
        break
    cursor.execute("SET LOCAL lock_timeout = 0")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django declares every foreign key initially deferred


def _swap(cursor, table: str, parent, layer_id: int, name: str) -> None:
    old = layer_partition(cursor, table, layer_id)
    if old:
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(parent, sql.Identifier(old)))
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(old)))
    else:
        cursor.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(parent), [layer_id])
    cursor.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        parent, sql.Identifier(name), sql.Literal(int(layer_id))))
    # Made by create_loading_table; the partition bound says the same from now on.
    cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
        sql.Identifier(name), sql.Identifier(f"{name}_layer")))
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
        sql.Identifier(name), sql.Identifier(partition_name(table, layer_id))))


def drop_layer_partitions(cursor, layer_ids: list[int]) -> int:
    """Drop the partitions of layers being deleted, and any left by layers already gone.

    A deleted layer's rows would otherwise be deleted one by one and stay in its partition as dead rows,
    which every query by id still walks. Returns how many partitions were dropped.
    """
    cursor.execute("""
        SELECT parent.relname, child.relname, pg_get_expr(child.relpartbound, child.oid)
          FROM pg_inherits i
          JOIN pg_partitioned_table pt ON pt.partrelid = i.inhparent
          JOIN pg_class parent ON parent.oid = i.inhparent
          JOIN pg_class child ON child.oid = i.inhrelid
         WHERE parent.relname LIKE 'layers%%'
    """)
    partitions = cursor.fetchall()
    cursor.execute("SELECT id FROM layers_layer")
    alive = {row[0] for row in cursor.fetchall()} - set(layer_ids)
    dropped = 0
    # As in swap_in: PostgreSQL drops no table that still owes deferred foreign-key checks from this transaction.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for parent, child, bound in partitions:
        found = re.fullmatch(r"FOR VALUES IN \('?(\d+)'?\)", bound or "")
        if found is None or int(found.group(1)) in alive:
            continue  # the default partition, or a layer that stays
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.Identifier(parent),
                                                                            sql.Identifier(child)))
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(child)))
        dropped += 1
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django declares every foreign key initially deferred
    return dropped


def partition_by_layer(cursor, table: str) -> None:
    """Turn a plain feature table into one partitioned by layer_id, keeping its rows, names and ids.

    Each layer already in it gets its own partition; rows of later layers land in the default one until
    their first replace import. The primary key becomes (id, layer_id), as PostgreSQL requires the
    partition key in every unique constraint; ids stay unique through the one sequence.
    """
    old = f"{table}__plain"
    t, o = sql.Identifier(table), sql.Identifier(old)
    cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = to_regclass(%s)", [table])
    if cursor.fetchone()[0]:
        raise RuntimeError(f"foreign keys reference {table}; a partitioned table cannot be their target "
                           f"(declare them with db_constraint=False)")
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(t, o))
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f') ORDER BY contype", [old])
    constraints = cursor.fetchall()
    indexes = _parent_indexes(cursor, old)
    cursor.execute("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE i.indrelid = to_regclass(%s)", [old])
    for (index,) in cursor.fetchall():  # index names are per schema: free them for the new table
        cursor.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
            sql.Identifier(index), sql.Identifier(f"{index[:50]}__plain")))
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS) "
                           "PARTITION BY LIST (layer_id)").format(t, o))
    sequence = f"{table}_id_seq"
    cursor.execute(sql.SQL("ALTER TABLE {} ALTER id DROP IDENTITY IF EXISTS").format(o))
    cursor.execute(sql.SQL("CREATE SEQUENCE {} OWNED BY {}.id").format(sql.Identifier(sequence), t))
    cursor.execute(sql.SQL("SELECT setval(%s, coalesce((SELECT max(id) FROM {}), 0) + 1, false)").format(o),
                   [sequence])
    cursor.execute(sql.SQL("ALTER TABLE {} ALTER id SET DEFAULT nextval({})").format(t, sql.Literal(sequence)))
    for conname, contype, definition in constraints:
        if contype == "p":
            definition = "PRIMARY KEY (id, layer_id)"
        elif contype == "u" and "layer_id" not in definition:
            raise RuntimeError(f"{table}.{conname} ({definition}) must include layer_id to be partitioned")
        cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            t, sql.Identifier(conname), sql.SQL(definition)))
    for statement in indexes:
        named = re.sub(r"^(CREATE (?:UNIQUE )?INDEX )(\S+) ON (?:ONLY )?\S+ ",
                       lambda m: f"{m.group(1)}{m.group(2).removesuffix('__plain')} ON {{}} ", statement)
        cursor.execute(sql.SQL(named).format(t))
    cursor.execute(sql.SQL("CREATE TABLE {} PARTITION OF {} DEFAULT").format(sql.Identifier(f"{table}_default"), t))
    cursor.execute(sql.SQL("SELECT DISTINCT layer_id FROM {}").format(o))
    for (layer_id,) in cursor.fetchall():
        cursor.execute(sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({})").format(
            sql.Identifier(partition_name(table, layer_id)), t, sql.Literal(int(layer_id))))
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                   "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", [old])
    columns = sql.SQL(", ").join(sql.Identifier(row[0]) for row in cursor.fetchall())
    cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(t, columns, columns, o))
    cursor.execute(sql.SQL("DROP TABLE {}").format(o))
