#!/usr/bin/env bash
# deploy/kafka_cluster.sh -- three KRaft nodes (combined broker+controller) on 127.0.0.1, built on
# deploy/kafka.sh: internal topics replicated 3 times with min.insync.replicas 2, small heaps, so a
# fresh 2-core CI machine can run it beside the single test broker.
#
# Usage:
#   deploy/kafka_cluster.sh start DIR BASE_PORT
#       Node N (1-3) runs in DIR/node-N, serving clients on BASE_PORT+2(N-1) and its controller on the
#       port after; one cluster id for all. The nodes start together (none is ready before the
#       quorum is) and this returns when all three serve clients. Prints the bootstrap list.
#   deploy/kafka_cluster.sh stop DIR      Stop every node started in DIR.
#
# Environment: as deploy/kafka.sh; KAFKA_HEAP_OPTS defaults to "-Xmx256m -Xms64m" here.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MECHANIC_LOG_PREFIX="kafka-cluster"
# shellcheck source=deploy/_lib.sh
source "$HERE/_lib.sh"
NODES=(1 2 3)

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

start() {
  [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] || usage
  local dir="$1" base="$2" voters="" n pids=() failed=0
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  for n in "${NODES[@]}"; do
    voters+="${voters:+,}$n@127.0.0.1:$((base + 2 * (n - 1) + 1))"
  done
  local cluster_id
  cluster_id="$(bash "$HERE/kafka.sh" classpath >/dev/null && head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  cluster_id="${MECHANIC_KAFKA_CLUSTER_ID:-A${cluster_id:1}}"
  for n in "${NODES[@]}"; do
    MECHANIC_KAFKA_NODE_ID="$n" MECHANIC_KAFKA_VOTERS="$voters" MECHANIC_KAFKA_REPLICATION=3 \
      MECHANIC_KAFKA_CLUSTER_ID="$cluster_id" KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx256m -Xms64m}" \
      bash "$HERE/kafka.sh" start "$dir/node-$n" "$((base + 2 * (n - 1)))" "$((base + 2 * (n - 1) + 1))" &
    pids+=("$!")
  done
  for n in "${pids[@]}"; do
    wait "$n" || failed=1
  done
  if ((failed)); then
    stop "$dir"
    die "the cluster did not start (logs in $dir/node-*/logs)"
  fi
  local bootstrap=""
  for n in "${NODES[@]}"; do
    bootstrap+="${bootstrap:+,}127.0.0.1:$((base + 2 * (n - 1)))"
  done
  log "three nodes ready: $bootstrap"
  echo "$bootstrap"
}

stop() {
  [[ $# -eq 1 ]] || usage
  local n
  for n in "${NODES[@]}"; do
    [[ -d "$1/node-$n" ]] && bash "$HERE/kafka.sh" stop "$1/node-$n"
  done
  return 0
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  *) usage ;;
esac
