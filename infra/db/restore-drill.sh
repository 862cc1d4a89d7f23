#!/usr/bin/env bash
# The restore drill (infra/db/BACKUP_AND_RESTORE.md): restores the latest base backup and the
# archived WAL into a new, private PostgreSQL server (to the end of the archive, or to a time),
# verifies the restored audit log, and compares its state hash with the live log's at the same
# sequence. Prints the restore time and the recovery point; exit 0 only when everything agrees.
#
#   infra/db/restore-drill.sh --backups /mnt/dreichor-backup/prod/base --wal-archive /mnt/dreichor-wal/prod \
#     --live-url postgres://dreichor_prod_runtime@127.0.0.1:5432/dreichor_prod [--schema dreichor] \
#     [--target-time '2026-12-05 14:00:00+00'] [--dreichor /usr/local/bin/dreichor] [--keep]
#
# The live log is read with the password in PGPASSWORD (never on the command line). The restored
# server listens on a unix socket in a private directory only, with its archiving and
# replication settings off, so it can never archive into the live archive or hold up a commit.
set -euo pipefail

backups='' archive='' live='' schema=dreichor target='' dreichor=dreichor keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backups) backups=$2; shift 2 ;;
    --wal-archive) archive=$2; shift 2 ;;
    --live-url) live=$2; shift 2 ;;
    --schema) schema=$2; shift 2 ;;
    --target-time) target=$2; shift 2 ;;
    --dreichor) dreichor=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "restore-drill: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in backups archive live; do
  if [ -z "${!v}" ]; then echo "restore-drill: --${v/archive/wal-archive} is required" >&2; exit 2; fi
done

bin=$(find /usr/lib/postgresql -maxdepth 3 -name pg_ctl -path '*/bin/*' | sort | tail -1)
bin=${bin%/pg_ctl}
[ -n "$bin" ] || { echo "restore-drill: no PostgreSQL server binaries" >&2; exit 3; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

latest=$(find "$backups" -mindepth 1 -maxdepth 1 -type d -name 'base-*' | sort | tail -1)
[ -n "$latest" ] || { echo "restore-drill: no base backup (base-*) in $backups" >&2; exit 3; }
as_postgres "$bin/pg_verifybackup" -n "$latest" >/dev/null ||
  { echo "restore-drill: $latest does not match its backup manifest" >&2; exit 1; }

work=$(mktemp -d /tmp/dreichor-restore-drill.XXXXXX)
cleanup() {
  as_postgres "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  if [ "$keep" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
chmod 755 "$work"
cp -a "$latest" "$work/data"
rm -f "$work/data/postmaster.pid" "$work/data/backup_manifest"
touch "$work/data/recovery.signal" "$work/data/postgresql.conf"
printf 'local all postgres trust\n' >"$work/pg_hba.conf"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$work"; fi
chmod 700 "$work/data"

port=$(( 40000 + RANDOM % 20000 ))
options="-p $port -c listen_addresses='' -c unix_socket_directories='$work' \
-c hba_file='$work/pg_hba.conf' -c archive_mode=off -c synchronous_standby_names='' \
-c primary_conninfo='' -c restore_command='cp $archive/%f %p' -c recovery_target_action=promote"
if [ -n "$target" ]; then options="$options -c recovery_target_time='$target'"; fi

started=$(date +%s%N)
as_postgres "$bin/pg_ctl" -D "$work/data" -o "$options" -l "$work/server.log" -w -t 600 start >/dev/null
until [ "$(as_postgres psql -h "$work" -p "$port" -U postgres -XAtc 'SELECT pg_is_in_recovery()' postgres 2>/dev/null)" = f ]; do
  sleep 0.1
done
restored_ms=$(( ($(date +%s%N) - started) / 1000000 ))

database=${live##*/}; database=${database%%\?*}
restored="postgresql://postgres@/$database?host=$work&port=$port"
verify=$("$dreichor" audit verify --database-url "$restored" --schema "$schema") ||
  { echo "restore-drill: the restored log does not verify" >&2; echo "$verify" >&2; exit 1; }
last=$(echo "$verify" | sed -n 's/.*last sequence \([0-9]*\),.*/\1/p')
state_of() { "$dreichor" replay "$@" --schema "$schema" | sed -n 's/^state \([0-9a-f]*\)$/\1/p'; }
restored_state=$(state_of --database-url "$restored" --until-seq "$last")
live_state=$(state_of --database-url "$live" --until-seq "$last")
live_last=$("$dreichor" audit tail --database-url "$live" --schema "$schema" -n 1 | cut -d' ' -f1)

echo "restored: $latest and the WAL archive${target:+ up to $target}, in ${restored_ms} ms"
echo "recovery point: records 1..$last (the live log is at $live_last: $(( live_last - last )) behind)"
echo "state at $last: restored $restored_state, live $live_state"
if [ -z "$restored_state" ] || [ "$restored_state" != "$live_state" ]; then
  echo "restore-drill: the restored state differs from the live one" >&2
  exit 1
fi
echo "ok"
