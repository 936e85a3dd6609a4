#!/usr/bin/env bash
# Restores what scripts/backup.sh took (docs/operations.md, "Backup and restore").
#
# Usage: scripts/restore.sh [options] BACKUP_DIR
#   (default)       unpack BACKUP_DIR/data.tar.gz into the data directory of a STOPPED Warren; start
#                   Warren afterwards: it recovers the definitions and the persistent messages.
#                   The data directory must be empty or absent, unless --force, which first moves
#                   it aside to DIR.before-restore-TIMESTAMP.
#   --definitions   import BACKUP_DIR/definitions.json into a RUNNING Warren (or RabbitMQ) through
#                   POST /api/definitions: topology, users and policies, no messages.
#   -a URL    management API (default $WARREN_API_URL or http://localhost:15672)
#   -u U:P    API credentials (default $WARREN_API_CREDENTIALS or guest:guest)
#   -d DIR    data directory (default $WARREN_DATA_DIR or ./data)
# Exit codes: 0 done; 1 failed; 2 usage; 3 the data directory is in use or not empty.
set -euo pipefail

source "$(dirname "$0")/backup-common.sh"
mode=data
force=false
while [ $# -gt 0 ]; do
  case "$1" in
    -a) api="$2"; shift 2 ;;
    -u) credentials="$2"; shift 2 ;;
    -d) data_dir="$2"; shift 2 ;;
    --definitions) mode=definitions; shift ;;
    --force) force=true; shift ;;
    -h|--help) usage 0 ;;
    -*) echo "restore: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
backup="$1"

if [ "$mode" = definitions ]; then
  [ -f "$backup/definitions.json" ] || { echo "restore: $backup/definitions.json not found" >&2; exit 1; }
  answer="$(curl -sS -w '\n%{http_code}' -u "$credentials" -H 'content-type: application/json' \
    -X POST --data-binary "@$backup/definitions.json" "$api/api/definitions")" || { echo "restore: $api did not answer" >&2; exit 1; }
  status="${answer##*$'\n'}"
  case "$status" in
    2??) echo "restore: definitions imported into $api" ;;
    *) echo "restore: $api answered HTTP $status: ${answer%$'\n'*}" >&2; exit 1 ;;
  esac
  exit 0
fi

archive="$backup/data.tar.gz"
[ -f "$archive" ] || { echo "restore: $archive not found (a --definitions-only backup restores with --definitions)" >&2; exit 1; }
if [ -d "$data_dir" ]; then
  in_use="$(data_dir_holders)"
  if [ -n "$in_use" ]; then
    echo "restore: $data_dir is in use by pid $in_use: stop Warren first" >&2
    exit 3
  fi
  if [ -n "$(ls -A "$data_dir")" ]; then
    if ! $force; then
      echo "restore: $data_dir is not empty (use --force to move it aside first)" >&2
      exit 3
    fi
    aside="$data_dir.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$data_dir" "$aside"
    echo "restore: moved the old $data_dir to $aside"
  fi
fi
mkdir -p "$data_dir"
tar -xzf "$archive" -C "$data_dir"
echo "restore: $archive unpacked into $data_dir (format-version $(cat "$data_dir/format-version")); start Warren with --data-dir $data_dir"
