#!/bin/sh
# PostgreSQL's archive_command (infra/db/BACKUP_AND_RESTORE.md): makes a verified, durable copy of
# one WAL file in the archive, or fails so that PostgreSQL keeps the file and tries again.
#
#   archive_command = '/usr/local/lib/dreichor/archive-wal.sh %p %f /mnt/dreichor-wal/prod'
#
# The copy is written as <name>.tmp, synced, compared byte for byte with the source, then renamed
# and its directory synced. A file already archived under the name is accepted only if it is the
# same bytes (PostgreSQL may archive a file again after a crash); a different one is refused, and
# never overwritten.
set -eu
path=$1 name=$2 archive=$3
target="$archive/$name"
if [ -e "$target" ]; then
  if cmp -s "$path" "$target"; then exit 0; fi
  echo "archive-wal: $target exists with other contents; refusing to overwrite it" >&2
  exit 1
fi
cp "$path" "$target.tmp"
sync "$target.tmp"
if ! cmp -s "$path" "$target.tmp"; then
  rm -f "$target.tmp"
  echo "archive-wal: the copy of $name does not read back as written" >&2
  exit 1
fi
mv "$target.tmp" "$target"
sync "$archive"
