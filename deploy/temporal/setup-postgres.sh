#!/bin/sh
# Creates Temporal's two PostgreSQL databases and their schemas, or brings the schemas up to
# date. Safe to run on every start: each step skips what is already done. docker-compose.yml
# runs it in the admin-tools image, `tandem cluster` with the temporal-sql-tool it built; the
# schema files are the ones embedded in the tool, so they always match its server version.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
export SQL_PASSWORD="$POSTGRES_PWD"

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  schema="${pair#*:}"
  sql="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $DB_PORT -u $POSTGRES_USER --db $db"
  $sql create >/dev/null 2>&1 || echo "database $db exists already"
  # Versioning tables first (kept when they exist), then every schema step not applied yet.
  $sql setup-schema -v 0.0
  $sql update-schema --schema-name "postgresql/v12/$schema"
done
echo 'Temporal schemas are up to date'
