#!/bin/sh
# The read replica: on its first start it copies the primary with pg_basebackup (-R leaves standby.signal and
# the connection to stream from), then it runs as a hot standby. Arguments go to postgres.
set -eu
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in .env}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    export PGPASSWORD="$REPLICATION_PASSWORD"
    # The primary may still be starting: try until it answers, from an empty directory each time.
    until pg_basebackup --host "$PRIMARY_HOST" --port "${PRIMARY_PORT:-5432}" \
                        --username "${REPLICATION_USER:-replicator}" --pgdata "$PGDATA" \
                        --write-recovery-conf --wal-method stream --checkpoint fast; do
        find "$PGDATA" -mindepth 1 -delete
        sleep 2
    done
    unset PGPASSWORD
    chmod 700 "$PGDATA"
fi
# Feedback keeps the primary from vacuuming rows a long tile query on the replica still reads, instead of the
# replica cancelling that query.
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
