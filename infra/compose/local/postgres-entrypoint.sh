#!/bin/sh
# The local stack's PostgreSQL (infra/docker/Dockerfile.postgres). On an empty $PGDATA: initdb,
# then provision-env.sql for env=dev with the two passwords from the environment, on a server that
# listens on its unix socket only; then the server, on every address of the container.
set -eu
bin=/usr/lib/postgresql/15/bin

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${DREICHOR_MIGRATOR_PASSWORD:?set DREICHOR_MIGRATOR_PASSWORD}"
  : "${DREICHOR_RUNTIME_PASSWORD:?set DREICHOR_RUNTIME_PASSWORD}"
  "$bin/initdb" --pgdata="$PGDATA" --username=postgres --auth-local=peer \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  # The environment's two roles, by password, from the container's own networks; nobody else.
  printf 'host dreichor_dev dreichor_dev_migrator,dreichor_dev_runtime samenet scram-sha-256\n' \
    >> "$PGDATA/pg_hba.conf"
  "$bin/pg_ctl" --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait --silent start
  psql -X --quiet -v ON_ERROR_STOP=1 -v env=dev \
    -v migrator_password="$DREICHOR_MIGRATOR_PASSWORD" \
    -v runtime_password="$DREICHOR_RUNTIME_PASSWORD" \
    --dbname=postgres -f /usr/share/dreichor/provision-env.sql
  "$bin/pg_ctl" --pgdata="$PGDATA" --mode=fast --wait --silent stop
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' -c password_encryption=scram-sha-256
