#!/bin/sh
# Creates Temporal's two PostgreSQL databases and their schemas, or brings the schemas up to
# date. Safe to run on every `docker compose up`: each step skips what is already done.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
export SQL_PASSWORD="$POSTGRES_PWD"
SCHEMAS=/etc/temporal/schema/postgresql/v12

until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"
  sleep 1
done

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  schema="${pair#*:}"
  sql="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $DB_PORT -u $POSTGRES_USER --db $db"
  $sql create || echo "database $db exists already"
  $sql setup-schema -v 0.0
  $sql update-schema -d "$SCHEMAS/$schema/versioned"
done
echo 'Temporal schemas are up to date'
