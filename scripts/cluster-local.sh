#!/usr/bin/env bash
# A 3-node Warren cluster on one machine, for development: 3 etcd members on 127.0.0.21-23 and
# 3 Warren nodes on 127.0.0.11-13 (Linux routes all of 127.0.0.0/8 to loopback).
#   scripts/cluster-local.sh start | stop | status
# Ports (override with env): AMQP_PORT 5672, HTTP_PORT 15672, REPL_PORT 5679, CLIENT_PORT_ETCD 2379,
# PEER_PORT_ETCD 2380. State and logs under CLUSTER_DIR (default ./cluster-local).
# Needs Debian's etcd-server and a built Warren (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-$PWD/cluster-local}
AMQP_PORT=${AMQP_PORT:-5672}
HTTP_PORT=${HTTP_PORT:-15672}
REPL_PORT=${REPL_PORT:-5679}
CLIENT_PORT_ETCD=${CLIENT_PORT_ETCD:-2379}
PEER_PORT_ETCD=${PEER_PORT_ETCD:-2380}
NODES=(1 2 3)
etcd_ip() { echo "127.0.0.2$1"; }
node_ip() { echo "127.0.0.1$1"; }
ENDPOINTS=$(for i in "${NODES[@]}"; do printf 'http://%s:%s,' "$(etcd_ip "$i")" "$CLIENT_PORT_ETCD"; done | sed 's/,$//')
INITIAL=$(for i in "${NODES[@]}"; do printf 'etcd%s=http://%s:%s,' "$i" "$(etcd_ip "$i")" "$PEER_PORT_ETCD"; done | sed 's/,$//')

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  command -v etcd >/dev/null || { echo "etcd not found: apt-get install etcd-server" >&2; exit 1; }
  [ -f dist/src/cli/warren.js ] || { echo "build first: npm run build" >&2; exit 1; }
  mkdir -p "$DIR"
  for i in "${NODES[@]}"; do
    alive "$DIR/etcd$i.pid" && continue
    ip=$(etcd_ip "$i")
    nohup etcd --name "etcd$i" --data-dir "$DIR/etcd$i" \
      --listen-client-urls "http://$ip:$CLIENT_PORT_ETCD" --advertise-client-urls "http://$ip:$CLIENT_PORT_ETCD" \
      --listen-peer-urls "http://$ip:$PEER_PORT_ETCD" --initial-advertise-peer-urls "http://$ip:$PEER_PORT_ETCD" \
      --initial-cluster "$INITIAL" --initial-cluster-state new --initial-cluster-token warren-local \
      --log-level warn >"$DIR/etcd$i.log" 2>&1 &
    echo $! >"$DIR/etcd$i.pid"
  done
  for i in "${NODES[@]}"; do
    for _ in $(seq 1 100); do
      curl -fs "http://$(etcd_ip "$i"):$CLIENT_PORT_ETCD/health" >/dev/null 2>&1 && break
      sleep 0.2
    done
  done
  for i in "${NODES[@]}"; do
    alive "$DIR/warren$i.pid" && continue
    ip=$(node_ip "$i")
    nohup node dist/src/cli/warren.js --host "$ip" --amqp-port "$AMQP_PORT" --http-port "$HTTP_PORT" \
      --data-dir "$DIR/warren$i" --cluster-etcd "$ENDPOINTS" --node-name "warren$i@$ip" \
      --advertise-host "$ip" --replication-port "$REPL_PORT" >"$DIR/warren$i.log" 2>&1 &
    echo $! >"$DIR/warren$i.pid"
  done
  sleep 1
  status
}

stop() {
  for i in "${NODES[@]}"; do
    alive "$DIR/warren$i.pid" && kill "$(cat "$DIR/warren$i.pid")" || true
  done
  for i in "${NODES[@]}"; do
    for _ in $(seq 1 50); do alive "$DIR/warren$i.pid" || break; sleep 0.2; done
    alive "$DIR/warren$i.pid" && kill -9 "$(cat "$DIR/warren$i.pid")" || true
    rm -f "$DIR/warren$i.pid"
  done
  for i in "${NODES[@]}"; do
    alive "$DIR/etcd$i.pid" && kill "$(cat "$DIR/etcd$i.pid")" || true
  done
  for i in "${NODES[@]}"; do
    for _ in $(seq 1 50); do alive "$DIR/etcd$i.pid" || break; sleep 0.2; done
    rm -f "$DIR/etcd$i.pid"
  done
  echo stopped
}

status() {
  for i in "${NODES[@]}"; do
    ip=$(node_ip "$i")
    state=down
    alive "$DIR/warren$i.pid" && state=$(curl -s -o /dev/null -w '%{http_code}' "http://$ip:$HTTP_PORT/api/health/checks/leader" | sed 's/200/leader/;s/503/follower/;s/000/starting/')
    e=down; alive "$DIR/etcd$i.pid" && e=up
    echo "warren$i amqp://$ip:$AMQP_PORT http://$ip:$HTTP_PORT $state   etcd$i $(etcd_ip "$i"):$CLIENT_PORT_ETCD $e"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
