#!/usr/bin/env bash
# Takes a base backup of the PostgreSQL server and keeps the newest N (infra/db/BACKUP_AND_RESTORE.md):
# pg_basebackup into <backups>/base-<UTC time>.partial, checked against its manifest with
# pg_verifybackup, renamed to base-<UTC time>; then every backup but the newest N is removed, and
# the WAL archive is cleaned of files older than the oldest backup kept (pg_archivecleanup).
#
#   PGPASSWORD=... infra/db/base-backup.sh --backups /mnt/dreichor-backup/prod/base \
#     --wal-archive /mnt/dreichor-wal/prod --keep 7 --host 127.0.0.1 --port 5432 --user dreichor_replication
set -euo pipefail

backups='' archive='' keep=7 host=127.0.0.1 port=5432 user=postgres
while [ $# -gt 0 ]; do
  case "$1" in
    --backups) backups=$2; shift 2 ;;
    --wal-archive) archive=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    *) echo "base-backup: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$backups" ] || [ -z "$archive" ]; then
  echo "base-backup: --backups and --wal-archive are required" >&2
  exit 2
fi
case "$keep" in '' | *[!0-9]* | 0) echo "base-backup: --keep must be 1 or more" >&2; exit 2 ;; esac

bin=$(find /usr/lib/postgresql -maxdepth 3 -name pg_basebackup -path '*/bin/*' | sort | tail -1)
bin=${bin%/pg_basebackup}
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres --preserve-environment -- "$@"; else "$@"; fi
}

dest="$backups/base-$(date -u +%Y%m%dT%H%M%S%NZ)"
as_postgres "$bin/pg_basebackup" -h "$host" -p "$port" -U "$user" -D "$dest.partial" -Fp \
  -X stream -c fast
if ! as_postgres "$bin/pg_verifybackup" "$dest.partial" >/dev/null; then
  rm -rf "$dest.partial"
  echo "base-backup: the backup does not match its manifest; removed" >&2
  exit 1
fi
mv "$dest.partial" "$dest"
sync "$backups"
echo "base-backup: $dest"

mapfile -t all < <(find "$backups" -mindepth 1 -maxdepth 1 -type d -name 'base-*' ! -name '*.partial' | sort)
drop=$(( ${#all[@]} - keep ))
for (( i = 0; i < drop; i++ )); do
  rm -rf "${all[$i]}"
  echo "base-backup: removed ${all[$i]} (keeping $keep)"
done
oldest=${all[$(( drop > 0 ? drop : 0 ))]}
first_wal=$(sed -n 's/^START WAL LOCATION: .*(file \([0-9A-F]*\))$/\1/p' "$oldest/backup_label")
if [ -n "$first_wal" ]; then
  as_postgres "$bin/pg_archivecleanup" "$archive" "$first_wal"
  echo "base-backup: WAL before $first_wal removed from $archive"
fi
