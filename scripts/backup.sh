#!/usr/bin/env bash
# Backs up a Warren node into a directory (docs/operations.md, "Backup and restore"):
#   definitions.json  the definitions (users, vhosts, permissions, policies, parameters, exchanges,
#                     queues, bindings) exported through the management API, in RabbitMQ's format:
#                     taken while Warren runs; importable into Warren or RabbitMQ.
#   data.tar.gz       the data directory (definitions and persistent messages; not the paging cache
#                     nor cluster/, the node's identity in cluster mode), taken only while no
#                     process has it open: a file-by-file copy of a running node's log is not a
#                     consistent snapshot. For a hot copy of the messages, snapshot the filesystem
#                     instead (LVM, ZFS, a cloud volume snapshot): Warren recovers from such a
#                     snapshot as it does after a power cut.
#   MANIFEST          what was taken, when, and the checksums.
#
# Usage: scripts/backup.sh [options] OUT_DIR
#   -a URL    management API (default $WARREN_API_URL or http://localhost:15672)
#   -u U:P    API credentials (default $WARREN_API_CREDENTIALS or guest:guest)
#   -d DIR    data directory (default $WARREN_DATA_DIR or ./data)
#   --definitions-only   export the definitions and skip the data directory
# Exit codes: 0 done; 1 failed; 2 usage; 3 the data directory is in use (definitions were exported
# if the API answered): stop Warren, use --definitions-only, or snapshot the filesystem.
set -euo pipefail

source "$(dirname "$0")/backup-common.sh"
definitions_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    -a) api="$2"; shift 2 ;;
    -u) credentials="$2"; shift 2 ;;
    -d) data_dir="$2"; shift 2 ;;
    --definitions-only) definitions_only=true; shift ;;
    -h|--help) usage 0 ;;
    -*) echo "backup: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
out="$1"
mkdir -p "$out"
manifest="$out/MANIFEST"
echo "warren backup $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$manifest"

exported=false
if curl -fsS -u "$credentials" "$api/api/definitions" -o "$out/definitions.json.tmp" 2>"$out/.curl-error"; then
  mv "$out/definitions.json.tmp" "$out/definitions.json"
  echo "definitions.json  from $api  sha256 $(sha256sum "$out/definitions.json" | cut -d' ' -f1)" >> "$manifest"
  echo "backup: definitions exported from $api -> $out/definitions.json"
  exported=true
else
  rm -f "$out/definitions.json.tmp"
  echo "backup: definitions not exported: $api did not answer ($(tr -d '\n' < "$out/.curl-error"))" >&2
fi
rm -f "$out/.curl-error"

if $definitions_only; then
  $exported || exit 1
  exit 0
fi

if [ ! -f "$data_dir/format-version" ]; then
  echo "backup: $data_dir is not a Warren data directory (no format-version)" >&2
  exit 1
fi
in_use="$(data_dir_holders)"
if [ -n "$in_use" ]; then
  echo "backup: $data_dir is in use by pid $in_use: data directory not copied." >&2
  echo "        Stop Warren first, pass --definitions-only, or snapshot the filesystem (docs/operations.md)." >&2
  exit 3
fi
# paging/ is a cache of message bodies that Warren wipes at start: not worth keeping. cluster/ is the
# node's identity in cluster mode: restored on another node it would make two nodes one.
tar -czf "$out/data.tar.gz" -C "$data_dir" --exclude=./paging --exclude=./cluster .
echo "data.tar.gz       from $(cd "$data_dir" && pwd -P)  format-version $(cat "$data_dir/format-version")  sha256 $(sha256sum "$out/data.tar.gz" | cut -d' ' -f1)" >> "$manifest"
echo "backup: data directory $data_dir -> $out/data.tar.gz ($(du -h "$out/data.tar.gz" | cut -f1))"
