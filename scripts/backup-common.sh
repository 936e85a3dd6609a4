# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).

api="${WARREN_API_URL:-http://localhost:15672}"
credentials="${WARREN_API_CREDENTIALS:-guest:guest}"
data_dir="${WARREN_DATA_DIR:-./data}"

# Prints the calling script's header comment (its manual) and exits with $1 (default 2: usage error).
usage() { sed -n '2,/^set -euo/p' "$0" | sed '/^set -euo/d; /^source /d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# The pids of processes holding a file of the data directory open (Warren keeps its logs open while
# it runs), space-separated; empty when none. Reads /proc: run as Warren's user (or root), or
# processes of other users go unseen.
data_dir_holders() {
  local dir
  dir="$(cd "$data_dir" && pwd -P)"
  { find /proc/[0-9]*/fd -lname "$dir/*" 2>/dev/null || true; } | cut -d/ -f3 | sort -u | tr '\n' ' ' | sed 's/ $//'
}
