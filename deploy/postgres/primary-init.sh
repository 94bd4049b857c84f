#!/bin/sh
# Runs once, when the primary's data directory is made (the postgis image runs /docker-entrypoint-initdb.d/*):
# the role the read replica streams WAL as, and the pg_hba line that lets it in from the stack's network.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in .env}"
user="${REPLICATION_USER:-replicator}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
     -v user="$user" -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"user" WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication $user all scram-sha-256" >> "$PGDATA/pg_hba.conf"
