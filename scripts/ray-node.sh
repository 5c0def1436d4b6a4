# The two-node cluster of `SYNAPSE_RAY_NODES=2 scripts/ray.sh run` (sourced by scripts/ray.sh).
#
# Inside the namespaces `run` makes, the head keeps the first network namespace and a worker node
# gets a second one (`ip netns add`), joined to the first by a veth pair on 192.0.2.0/24
# (TEST-NET-1, RFC 5737: an address block that is never routed). Nothing else is on that link,
# so what the nodes bind on it can be reached only by each other and by the command `run` runs
# beside the head. The worker node offers what the head does not, so that a run can be placed
# there: a simulated GPU and the custom resource `worker_node`. Both nodes share the machine's
# file system (but for Ray's temp dir: each node has its own), not its network.

# Named after the run's temp dir: `ip netns add` leaves a file in /run/netns, removed at the end
# (`link_down`), and a run killed before it cannot block the next.
WORKER_NETNS="$(basename "$RAY_TMP").worker"
WORKER_IP=192.0.2.2
WORKER_NUM_CPUS=2
WORKER_NUM_GPUS=1
WORKER_RESOURCES='{"plugin_slot": 4, "worker_node": 4}'
NODE_START_TIMEOUT_S=90

if [ "$NODES" = 2 ]; then
  HEAD_IP=192.0.2.1
  # Ray reads this knob both ways: at 0 it keeps a node on 127.0.0.1 (scripts/ray.sh) and refuses
  # a second node; the nodes here have addresses of their own, so it must be 1.
  export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1
  # A node whose raylet stops answering is declared dead after about 3 s, not Ray's 15 s: the
  # tests that kill the worker node wait for that (read by the GCS of the head).
  export RAY_health_check_initial_delay_ms=1000 RAY_health_check_period_ms=1000
  export RAY_health_check_timeout_ms=1000 RAY_health_check_failure_threshold=3
fi

# Whether `address` (host:port, as `ss` prints it) can be reached only from the two-node cluster:
# with two nodes, Ray binds its ports on every interface (`*`, `0.0.0.0`, `[::]`) or on the node's
# address, and each namespace has only `lo` and its end of the link (checked by
# `link_is_private`), so any address is.
on_cluster_link() {
  [ "$NODES" = 2 ] || return 1
  case "$1" in *:*) return 0 ;; *) return 1 ;; esac
}

# Fails unless each of the cluster's network namespaces has only `lo` and its end of the veth
# pair, and no route beyond the link: then what binds every interface is still reachable only
# from the cluster.
link_is_private() {
  [ "$NODES" = 2 ] || return 0
  local head worker
  head="$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')"
  worker="$(ip netns exec "$WORKER_NETNS" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')"
  if [ "$head" != "lo synapse-head " ]; then
    log "the head's namespace has interfaces besides lo and the link: $head"
    return 1
  fi
  if [ "$worker" != "lo synapse-worker " ]; then
    log "the worker node's namespace has interfaces besides lo and the link: $worker"
    return 1
  fi
  if ip route show default | grep -q . || ip netns exec "$WORKER_NETNS" ip route show default | grep -q .; then
    log "a namespace of the cluster has a default route"
    return 1
  fi
}

# The listening sockets of every network namespace of the cluster (`ss -H -l -t -u -n -p` lines).
cluster_listeners() {
  ss -H -l -t -u -n -p 2>/dev/null
  if [ "$NODES" = 2 ] && ip netns list 2>/dev/null | grep -qw "$WORKER_NETNS"; then
    ip netns exec "$WORKER_NETNS" ss -H -l -t -u -n -p 2>/dev/null
  fi
}

# The link: the worker node's network namespace, `lo` up in it, and the veth pair with the
# head's end (this namespace) at $HEAD_IP and the worker node's at $WORKER_IP.
link_up() {
  ip netns add "$WORKER_NETNS" || die "cannot create the worker node's network namespace (ip netns add)"
  ip link add synapse-head type veth peer name synapse-worker netns "$WORKER_NETNS" ||
    die "cannot create the veth pair between the head and the worker node"
  ip addr add "$HEAD_IP/24" dev synapse-head
  ip link set synapse-head up
  ip netns exec "$WORKER_NETNS" ip link set lo up
  ip netns exec "$WORKER_NETNS" ip addr add "$WORKER_IP/24" dev synapse-worker
  ip netns exec "$WORKER_NETNS" ip link set synapse-worker up
  log "the link is up: the head at $HEAD_IP, the worker node at $WORKER_IP"
}

# Removes the worker node's namespace file (its processes have ended with the cluster).
link_down() {
  [ "$NODES" = 2 ] || return 0
  ip netns delete "$WORKER_NETNS" 2>/dev/null || true
}

# The ids of the nodes at `ip` the head reports ALIVE, one a line.
alive_nodes_at() {
  http_get /api/v0/nodes | "$VENV/bin/python" -c '
import json, sys
for node in json.load(sys.stdin)["data"]["result"]["result"]:
    if node["node_ip"] == sys.argv[1] and node["state"] == "ALIVE":
        print(node["node_id"])' "$1" 2>/dev/null || true
}

# Whether `ip netns add` works here (root in the initial user namespace: it mounts on /run/netns),
# which the two-node cluster needs; `scripts/ray.sh check` asks with SYNAPSE_RAY_NODES=2.
can_add_netns() {
  local probe="synapse-ray-probe.$$"
  ip netns add "$probe" 2>/dev/null || return 1
  ip netns delete "$probe" 2>/dev/null || true
}

# Starts a worker node in its namespace and waits until the head reports it ALIVE. Each start is a
# new node with a temp dir of its own, mounted (in a mount namespace of the node's) at the head's
# temp dir path: Ray takes the session's paths from the head, so on a real cluster each machine
# has them on its own disk, and here too (a job's log is where the node's agent looks for it).
start_worker_node() {
  [ "$NODES" = 2 ] && in_namespace || die "a worker node starts only inside SYNAPSE_RAY_NODES=2 scripts/ray.sh run"
  local t0=$SECONDS disk output before
  # A node killed a moment ago may still be ALIVE for the head: wait for a new one.
  before="$(alive_nodes_at "$WORKER_IP")"
  disk="$(mktemp -d "$RAY_TMP.node.XXXX")"
  output="$disk.start.log"
  # shellcheck disable=SC2016 # expanded by the inner bash
  if ! ip netns exec "$WORKER_NETNS" unshare --mount --propagation private -- bash -c \
    'mount --bind "$1" "$2" && shift 2 && exec setsid --wait "$@"' bash "$disk" "$RAY_TMP" \
    "$VENV/bin/ray" start --address="$HEAD_IP:6379" --node-ip-address="$WORKER_IP" \
    --num-cpus="$WORKER_NUM_CPUS" --num-gpus="$WORKER_NUM_GPUS" --resources="$WORKER_RESOURCES" \
    --object-store-memory="$OBJECT_STORE_BYTES" --temp-dir="$RAY_TMP" --disable-usage-stats >"$output" 2>&1; then
    cat "$output" >&2
    die "the worker node did not start (output above; its logs in $disk)"
  fi
  until alive_nodes_at "$WORKER_IP" | grep -qvxF -- "${before:-no node}"; do
    [ $((SECONDS - t0)) -lt "$NODE_START_TIMEOUT_S" ] ||
      die "the head does not report the worker node at $WORKER_IP ALIVE after $NODE_START_TIMEOUT_S s (its logs in $disk)"
    sleep 0.25
  done
  log "the worker node is up at $WORKER_IP after $((SECONDS - t0)) s (its temp dir: $disk)"
}

# SIGKILL every process of the worker node: its raylet, agents, workers and the jobs it runs, as
# when the machine is lost. The head declares it dead a few seconds later.
kill_worker_node() {
  [ "$NODES" = 2 ] && in_namespace || die "the worker node is killed only inside SYNAPSE_RAY_NODES=2 scripts/ray.sh run"
  local pids
  pids="$(ip netns pids "$WORKER_NETNS" | tr '\n' ' ')"
  [ -n "${pids// /}" ] || die "the worker node has no process left to kill"
  # shellcheck disable=SC2086 # one PID a word
  kill -KILL $pids 2>/dev/null || true
  log "killed the worker node's $(wc -w <<<"$pids") processes"
}

do_node() {
  case "${1:-}" in
    kill) kill_worker_node ;;
    start) start_worker_node ;;
    *) die "usage: scripts/ray.sh node kill|start (inside SYNAPSE_RAY_NODES=2 scripts/ray.sh run)" ;;
  esac
}
