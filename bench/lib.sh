# Helpers for bench/run and bench/soak, sourced by them: the namespace pair and its load
# generators, starting and stopping nettrace, and the measurements. The caller sets `here` and
# NETTRACE, then calls setup; cleanup (its EXIT trap) removes everything setup made.

# ---------------------------------------------------------------- shared state

# Addresses from the benchmarking range (RFC 2544); they exist only inside our namespaces.
NS_TX=ntb-$$-tx NS_RX=ntb-$$-rx
ADDR_TX=198.18.0.1 ADDR_RX=198.18.0.2
UDP_PORT=9000
NOMATCH_FILTER=(-s 192.0.2.99)
# --filter's counterpart of NOMATCH_FILTER: 24 classic instructions, most of them run per packet
NOMATCH_EXPRESSION='(udp or tcp) and dst portrange 1-1023 and not src net 198.18.0.0/15'
FLOW_FILTER=(--addr "$ADDR_RX")
START_TIMEOUT=${START_TIMEOUT:-30} STOP_TIMEOUT=${STOP_TIMEOUT:-20}
CPUS=$(nproc)

work=
namespaces_made=
servers=()     # the long-lived processes we started (iperf3 server, UDP receiver)
NT_PID= NT_DRAIN_PID=

cleanup() {
  local pid
  trap - EXIT INT TERM
  if [[ -n $NT_PID ]]; then
    kill -CONT "$NT_PID" 2>/dev/null || true    # it may be paused by the lost-events run
    kill -INT "$NT_PID" 2>/dev/null || true
    sleep 1
  fi
  for pid in $NT_PID $NT_DRAIN_PID "${servers[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -n $namespaces_made ]]; then
    ip netns del "$NS_TX" 2>/dev/null || true
    ip netns del "$NS_RX" 2>/dev/null || true
  fi
  if [[ -n $work ]]; then
    rm -rf "$work"
  fi
}
die() { echo "${0##*/}: $*" >&2; exit 1; }

# ---------------------------------------------------------------- set-up

setup() {
  [[ $(id -u) == 0 ]] || die "needs root (network namespaces, BPF)"
  [[ -x $NETTRACE ]] || die "no nettrace launcher at $NETTRACE"
  "$NETTRACE" --version >/dev/null || die "$NETTRACE does not run (is target/nettrace.jar built?)"
  if ! command -v iperf3 >/dev/null; then
    echo "installing iperf3 (apt-get)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null
  fi
  command -v gcc >/dev/null || die "gcc is needed to build bench/udpflood.c"
  work=$(mktemp -d /tmp/ntb.XXXXXX)
  gcc -O2 -Wall -o "$work/udpflood" "$here/udpflood.c"

  namespaces_made=1
  ip netns add "$NS_TX"
  ip netns add "$NS_RX"
  ip -n "$NS_TX" link add ntb-tx type veth peer name ntb-rx netns "$NS_RX"
  ip -n "$NS_TX" addr add "$ADDR_TX/24" dev ntb-tx
  ip -n "$NS_RX" addr add "$ADDR_RX/24" dev ntb-rx
  ip -n "$NS_TX" link set lo up
  ip -n "$NS_RX" link set lo up
  ip -n "$NS_TX" link set ntb-tx up
  ip -n "$NS_RX" link set ntb-rx up

  ip netns exec "$NS_RX" iperf3 -s >/dev/null 2>&1 &
  servers+=($!)
  ip netns exec "$NS_RX" "$work/udpflood" recv "$UDP_PORT" >/dev/null &
  servers+=($!)
  ip netns exec "$NS_TX" ping -c 1 -W 2 "$ADDR_RX" >/dev/null || die "the veth pair does not carry traffic"
  sleep 0.5
}

# ---------------------------------------------------------------- nettrace start and stop

# Starts nettrace with these options and waits for `begin trace...`; the rest of its stdout goes
# to /dev/null through a pipe. Returns 0 once tracing has begun, 2 when nettrace rejected the
# options at start (the mode is not built yet), 1 on any other failure. Its stderr is in
# $work/nettrace.err; NT_START_SECONDS is launch → `begin trace...`.
nettrace_start() {
  local fifo=$work/nettrace.out began_file=$work/nettrace.began began= rc=0 launched_at
  NT_START_SECONDS=
  rm -f "$fifo" "$began_file"
  mkfifo "$fifo"
  launched_at=$EPOCHREALTIME
  # stdout: with --output json `begin trace...` is on stderr and the trace goes straight to
  # /dev/null. Otherwise grep notes when the line passes on a fifo, then cat drains the rest to
  # /dev/null (a `read -t` loop on the fifo lost the line now and then: a read that times out
  # mid-line drops what it read).
  local out=$fifo
  [[ " $* " == *" --output json "* || " $* " == *" --output=json "* ]] && out=/dev/null
  # A script's background jobs ignore SIGINT, and so would the JVM: SIGINT is how we stop it.
  ( trap - INT; exec "$NETTRACE" "$@" >"$out" 2>"$work/nettrace.err" ) &
  NT_PID=$!
  NT_DRAIN_PID=
  if [[ $out == "$fifo" ]]; then
    ( grep -q "begin trace" && echo "$EPOCHREALTIME" >"$began_file"; exec cat >/dev/null ) <"$fifo" &
    NT_DRAIN_PID=$!
  fi
  # begin trace... is on stdout, or on stderr with --output json (stdout is then pure JSON).
  # Polled every 20 ms with builtins only (read -t on a fifo nobody writes is the sleep): forks
  # would take CPU from the start being measured.
  local waited=0 idle_fd
  [[ -p $work/idle.fifo ]] || mkfifo "$work/idle.fifo"
  exec {idle_fd}<>"$work/idle.fifo"
  while ((waited < START_TIMEOUT * 50)); do
    if [[ -s $began_file ]]; then
      began=$(<"$began_file")
      break
    elif ((waited % 5 == 4)) && grep -q "begin trace" "$work/nettrace.err" 2>/dev/null; then
      began=$EPOCHREALTIME
      break
    fi
    nettrace_alive || break
    read -r -t 0.02 -u "$idle_fd" _ || true
    waited=$((waited + 1))
  done
  exec {idle_fd}>&-
  if [[ -n $began ]]; then
    NT_START_SECONDS=$(seconds_between "$launched_at" "$began")
    return 0
  fi
  if nettrace_alive; then
    # still running without `begin trace`: keep where its threads wait, for the report
    echo "no begin trace after ${START_TIMEOUT} s; its threads' kernel stacks:" >>"$work/nettrace.err"
    cat /proc/"$NT_PID"/task/*/stack 2>/dev/null | sort | uniq -c | sort -rn | head -12 >>"$work/nettrace.err" || true
    timeout 20 "$JAVA_HOME/bin/jstack" "$NT_PID" >>"$work/nettrace.err" 2>&1 || true
    cp "$work/nettrace.err" "/tmp/nettrace-bench-hang.$NT_PID.err" 2>/dev/null || true
  fi
  kill -KILL "$NT_PID" 2>/dev/null || true
  wait "$NT_PID" || rc=$?
  wait "$NT_DRAIN_PID" 2>/dev/null || true    # it ends with nettrace's stdout
  NT_PID= NT_DRAIN_PID=
  [[ $rc == 2 ]] && return 2
  return 1
}

# Sends SIGINT and waits for the exit; returns nettrace's exit code (124 if it had to be killed).
# NT_STOP_SECONDS is SIGINT → exit.
nettrace_stop() {
  local rc=0 stopped_at exited_at timer finished
  sleep "$STOP_TIMEOUT" &
  timer=$!
  stopped_at=$EPOCHREALTIME
  kill -INT "$NT_PID" 2>/dev/null || true
  wait -n -p finished "$NT_PID" "$timer" || rc=$?
  exited_at=$EPOCHREALTIME
  NT_STOP_SECONDS=$(seconds_between "$stopped_at" "$exited_at")
  if [[ $finished == "$timer" ]]; then
    kill -KILL "$NT_PID" 2>/dev/null || true
    wait "$NT_PID" || true
    rc=124
  else
    kill "$timer" 2>/dev/null || true
    wait "$timer" 2>/dev/null || true
  fi
  wait "$NT_DRAIN_PID" 2>/dev/null || true
  NT_PID= NT_DRAIN_PID=
  return "$rc"
}

nettrace_alive() {
  local stat
  [[ -n $NT_PID ]] && read -r stat 2>/dev/null <"/proc/$NT_PID/stat" && [[ ${stat##*) } =~ ^[RSD] ]]
}

# One line saying why nettrace did not start or stop cleanly (its last: errors come after warnings).
nettrace_complaint() {
  local text
  text=$(grep -v '^  ' "$work/nettrace.err" | tail -1 || true)
  echo "${text:-no message on stderr}"
}

# ---------------------------------------------------------------- measurements

seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# TCP_RATE: TCP throughput through the veth, Mbit/s as the receiver counted it.
measure_tcp() {
  local attempt
  for attempt in 1 2; do
    TCP_RATE=$(ip netns exec "$NS_TX" iperf3 -c "$ADDR_RX" -t "$pair_seconds" -f m 2>&1 |
      awk '/receiver/ { print $(NF-2) }' || true)
    [[ -n $TCP_RATE ]] && return
    sleep 1    # the server may still be closing the previous test
  done
  die "iperf3 gave no result"
}

udp_delivered() { ip netns exec "$NS_RX" awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $2 }' /proc/net/snmp; }

# UDP_RATE: datagrams per second delivered to the receiver's socket; UDP_SENT and UDP_SECONDS:
# what the sender managed (unlimited unless given a rate).
measure_udp() {
  local seconds=$1 rate=${2:-0} before after sent
  before=$(udp_delivered)
  sent=$(ip netns exec "$NS_TX" "$work/udpflood" send "$ADDR_RX" "$UDP_PORT" "$seconds" "$rate")
  sleep 0.05
  after=$(udp_delivered)
  UDP_SENT=$(awk '{ print $2 }' <<<"$sent")
  UDP_SECONDS=$(awk '{ print $4 }' <<<"$sent")
  UDP_RATE=$(awk -v d=$((after - before)) -v s="$UDP_SECONDS" 'BEGIN { printf "%.0f", d / s }')
}

# CPU accounting over a measurement: cpu_mark, then cpu_split prints
# "nettrace N% softirq N% other N% idle N%" in percent of one CPU (the machine has $CPUS × 100%);
# other is every other process, the load generators mostly.
cpu_mark() {
  CPU_MARK_STAT=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $8, $5 }' /proc/stat)
  CPU_MARK_NT=$(nettrace_ticks)
}
nettrace_ticks() {
  if [[ -n $NT_PID && -r /proc/$NT_PID/stat ]]; then
    sed 's/.*) //' "/proc/$NT_PID/stat" | awk '{ print $12 + $13 }'
  else
    echo 0
  fi
}
cpu_split() {
  local now nt
  now=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $8, $5 }' /proc/stat)
  nt=$(nettrace_ticks)
  awk -v a="$CPU_MARK_STAT" -v b="$now" -v n0="$CPU_MARK_NT" -v n1="$nt" -v cpus="$CPUS" 'BEGIN {
    split(a, x); split(b, y); total = (y[1] - x[1]) / cpus
    if (total <= 0) total = 1
    nt = 100 * (n1 - n0) / total; si = 100 * (y[2] - x[2]) / total; idle = 100 * (y[3] - x[3]) / total
    printf "nettrace %.0f%% softirq %.0f%% other %.0f%% idle %.0f%%", nt, si, 100 * cpus - nt - si - idle, idle }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) exit; printf "%.6g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
