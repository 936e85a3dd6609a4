#!/usr/bin/env bash
# Starts the Debian rabbitmq-server (3.10.8) as a reference broker for differential testing,
# on AMQP port ${1:-5673} (management on ${2:-15673}) so it never clashes with Warren's defaults.
# Usage: scripts/start-rabbitmq.sh [amqp-port] [http-port]   then   WARREN_TEST_URL=amqp://guest:guest@127.0.0.1:5673/ npm test
set -euo pipefail
port=${1:-5673}
http=${2:-15673}
base=/tmp/rabbitmq-ref-$port
mkdir -p "$base"
chown -R rabbitmq:rabbitmq "$base" 2>/dev/null || true
cat > "$base/rabbitmq.conf" <<CONF
listeners.tcp.default = $port
management.tcp.port = $http
loopback_users = none
CONF
export RABBITMQ_NODENAME=ref$port@localhost RABBITMQ_NODE_PORT=$port \
  RABBITMQ_MNESIA_BASE=$base/mnesia RABBITMQ_LOG_BASE=$base/log \
  RABBITMQ_CONFIG_FILE=$base/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins \
  RABBITMQ_DIST_PORT=$((port + 20000))
echo "[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management]." > "$base/enabled_plugins"
chown rabbitmq:rabbitmq "$base/enabled_plugins" "$base/rabbitmq.conf" 2>/dev/null || true
rabbitmq-server -detached
for _ in $(seq 1 60); do
  if rabbitmqctl -n ref$port@localhost status >/dev/null 2>&1; then echo "rabbitmq up on $port (node ref$port@localhost)"; exit 0; fi
  sleep 1
done
echo "rabbitmq did not start; see $base/log" >&2
exit 1
