# nettrace monitor's figures for bench/run (section 5) and its soak for bench/soak --monitor,
# sourced after bench/lib.sh: starting and stopping the monitor, reading its /metrics, and the
# measurements. Uses lib.sh's namespace pair, udpflood, measure_tcp/measure_udp and cpu_split.

MON_PID= MON_PORT= MON_PEAK_KB=0 MON_PEAK_FROM=
# the receiver listens on UDP_PORT; nothing listens here, so every datagram is dropped (NO_SOCKET)
CLOSED_PORT=$((UDP_PORT + 1))

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts `nettrace monitor OPTIONS` on a free port of 127.0.0.1, its log in $work/monitor.log;
# returns once the log says "started" (everything attached), 1 if it does not.
monitor_start() {
  local waited=0
  MON_PORT=$(free_port)
  rm -f "$work/monitor.log"
  ( trap - INT TERM; exec "$NETTRACE" monitor --listen "127.0.0.1:$MON_PORT" --log "$work/monitor.log" "$@" \
      >/dev/null 2>"$work/monitor.err" ) &
  MON_PID=$!
  NT_PID=$MON_PID    # cleanup stops it, cpu_split counts it
  while ((waited < START_TIMEOUT * 10)); do
    grep -q '"event":"started"' "$work/monitor.log" 2>/dev/null && return 0
    kill -0 "$MON_PID" 2>/dev/null || break
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$MON_PID" 2>/dev/null || true
  wait "$MON_PID" 2>/dev/null || true
  MON_PID= NT_PID=
  return 1
}

# Notes the monitor's peak RSS so far, from the runs named $1.
monitor_peak() {
  local hwm
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MON_PID/status" 2>/dev/null || echo 0)
  if ((hwm > MON_PEAK_KB)); then
    MON_PEAK_KB=$hwm MON_PEAK_FROM=$1
  fi
}

# Notes the monitor's peak RSS (unless $1 is empty), then SIGTERM; returns its exit code (124
# when it had to be killed).
monitor_stop() {
  local rc=0
  [ -z "$1" ] || monitor_peak "$1"
  kill -TERM "$MON_PID" 2>/dev/null || true
  timeout "$STOP_TIMEOUT" tail --pid="$MON_PID" -f /dev/null || { kill -KILL "$MON_PID"; rc=124; }
  wait "$MON_PID" || rc=$?
  MON_PID= NT_PID=
  return "$rc"
}

monitor_complaint() { tail -1 "$work/monitor.err" 2>/dev/null || echo "no message on stderr"; }

# The sum of the /metrics series named $1 whose line contains every further argument.
monitor_value() {
  local name=$1
  shift
  curl -s "http://127.0.0.1:$MON_PORT/metrics" | awk -v name="$name" -v n=$# -v fragments="$*" '
    BEGIN { split(fragments, want, " ") }
    index($0, name "{") == 1 { for (i = 1; i <= n; i++) if (!index($0, want[i])) next; sum += $NF }
    END { printf "%.0f", sum }'
}

# The kernel's own count of UDP datagrams to a port nobody listens on, in the receiving namespace.
udp_no_ports() { ip netns exec "$NS_RX" nstat -asz UdpNoPorts | awk '/UdpNoPorts/ { print $2 }'; }

monitor_overhead() {
  local i rc tcp_a udp_a tcp_b udp_b drops_before drops_after
  local -a tcp_ratios=() udp_ratios=() problems=() drops=()
  echo "  (a) overhead with nothing dropped on purpose: nettrace monitor attached vs not, interleaved"
  for ((i = 1; i <= pairs; i++)); do
    measure_tcp; tcp_a=$TCP_RATE
    measure_udp "$pair_seconds"; udp_a=$UDP_RATE
    monitor_start || { problems+=("pair $i: the monitor did not start: $(monitor_complaint)"); continue; }
    sleep "$SETTLE_SECONDS"
    drops_before=$(monitor_value nettrace_skb_drops_total "netns=\"$NS_RX\"")
    cpu_mark
    measure_tcp; tcp_b=$TCP_RATE
    measure_udp "$pair_seconds"; udp_b=$UDP_RATE
    drops_after=$(monitor_value nettrace_skb_drops_total "netns=\"$NS_RX\"")
    drops+=($((drops_after - drops_before)))
    printf '    pair %d: TCP %s → %s Mbit/s, UDP %s → %s pkt/s (CPU: %s; %s drops counted in %s)\n' "$i" \
      "$tcp_a" "$tcp_b" "$udp_a" "$udp_b" "$(cpu_split)" "$((drops_after - drops_before))" "$NS_RX"
    rc=0; monitor_stop "overhead runs" || rc=$?
    ((rc == 0)) || problems+=("pair $i: the monitor exited $rc after SIGTERM: $(monitor_complaint)")
    tcp_ratios+=("$(awk -v a="$tcp_a" -v b="$tcp_b" 'BEGIN { printf "%.3f", b / a }')")
    udp_ratios+=("$(awk -v a="$udp_a" -v b="$udp_b" 'BEGIN { printf "%.3f", b / a }')")
  done
  local problem
  for problem in "${problems[@]}"; do echo "    PROBLEM: $problem"; done
  if ((${#tcp_ratios[@]} == 0)); then
    figure monitor_overhead_tcp "(a) monitor attached / not, TCP" n/a ratio ">=" 0.98 "the monitor failed"
    figure monitor_overhead_udp "(a) monitor attached / not, UDP" n/a ratio ">=" 0.98 "the monitor failed"
    return
  fi
  figure monitor_overhead_tcp "(a) monitor attached / not, TCP" "$(median "${tcp_ratios[@]}")" ratio ">=" 0.98 \
    "ratios ${tcp_ratios[*]}"
  figure monitor_overhead_udp "(a) monitor attached / not, UDP" "$(median "${udp_ratios[@]}")" ratio ">=" 0.98 \
    "ratios ${udp_ratios[*]}; receive-buffer drops counted: ${drops[*]}"
}

# Floods the closed port for $1 seconds; FLOOD_SENT is datagrams sent, FLOOD_RATE per second.
flood_closed_port() {
  local sent
  sent=$(ip netns exec "$NS_TX" "$work/udpflood" send "$ADDR_RX" "$CLOSED_PORT" "$1")
  FLOOD_SENT=$(awk '{ print $2 }' <<<"$sent")
  FLOOD_RATE=$(awk '{ printf "%.0f", $2 / $4 }' <<<"$sent")
}

monitor_drop_storm() {
  local i rc plain traced counted kernel before_kernel before_counted counted_total=0 kernel_total=0 seconds_total=0
  local -a ratios=() problems=()
  echo "  (b) drop storm: UDP to a closed port, ${pair_seconds} s without the monitor and ${pair_seconds} s with it," \
    "interleaved; counted by the monitor and by the kernel (nstat)"
  for ((i = 1; i <= pairs; i++)); do
    flood_closed_port "$pair_seconds"; plain=$FLOOD_RATE
    monitor_start || { problems+=("pair $i: the monitor did not start: $(monitor_complaint)"); continue; }
    sleep "$SETTLE_SECONDS"
    before_counted=$(monitor_value nettrace_skb_drops_total "netns=\"$NS_RX\"" 'reason="NO_SOCKET"')
    before_kernel=$(udp_no_ports)
    cpu_mark
    flood_closed_port "$pair_seconds"; traced=$FLOOD_RATE
    sleep 0.2
    counted=$(($(monitor_value nettrace_skb_drops_total "netns=\"$NS_RX\"" 'reason="NO_SOCKET"') - before_counted))
    kernel=$(($(udp_no_ports) - before_kernel))
    printf "    pair %d: sender %s → %s pkt/s (CPU: %s); dropped %s by the kernel's count (UdpNoPorts), %s by the monitor's\n" \
      "$i" "$plain" "$traced" "$(cpu_split)" "$kernel" "$counted"
    rc=0; monitor_stop "drop storm" || rc=$?
    ((rc == 0)) || problems+=("pair $i: the monitor exited $rc after SIGTERM: $(monitor_complaint)")
    ratios+=("$(awk -v a="$plain" -v b="$traced" 'BEGIN { printf "%.3f", b / a }')")
    counted_total=$((counted_total + counted)) kernel_total=$((kernel_total + kernel))
    seconds_total=$((seconds_total + pair_seconds))
  done
  local problem
  for problem in "${problems[@]}"; do echo "    PROBLEM: $problem"; done
  if ((${#ratios[@]} == 0)); then
    figure monitor_storm_drops_per_second "(b) drops counted per second" n/a drops/s ">=" 500000 "the monitor failed"
    return
  fi
  figure monitor_storm_drops_per_second "(b) drops per second counted" "$(awk -v c="$counted_total" \
    -v s="$seconds_total" 'BEGIN { printf "%.0f", c / s }')" drops/s ">=" 500000
  figure monitor_storm_missed "(b) drops the monitor missed (kernel − monitor)" $((kernel_total - counted_total)) drops \
    "<=" 0 "the kernel counted $kernel_total"
  figure monitor_storm_sender_ratio "(b) sender rate with / without the monitor" "$(median "${ratios[@]}")" ratio \
    ">=" 0.95 "ratios ${ratios[*]}"
}

# bpftool commands that add n drop counters with n distinct locations (text symbols from
# kallsyms) in the receiving namespace: n label sets for the scrape to read, label and format.
synthetic_drop_keys() {
  local map=$1 n=$2 netns
  netns=$(stat -L -c %i "/run/netns/$NS_RX")
  python3 - "$map" "$n" "$netns" <<'PY'
import struct, sys
map_id, count, netns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
addresses = sorted({int(line.split()[0], 16) for line in open("/proc/kallsyms")
                    if line.split()[1] in "Tt" and int(line.split()[0], 16)})
step = max(1, len(addresses) // count)
value = " ".join("%02x" % b for b in struct.pack("<QQQ48s", 3, 300, 1, b""))
for address in addresses[::step][:count]:
    # struct mon_drop_key (bpf/monitor.h)
    key = struct.pack("<QII16sIHBBB3x32s32sI", address + 1, 3, netns, b"ntb-rx", 0, 0x0800, 17, 0, 0, b"", b"", 0)
    print("map update id %s key hex %s value hex %s" % (map_id, " ".join("%02x" % b for b in key), value))
PY
}

PROMETHEUS_ACCEPT='Accept: application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1'

monitor_scrape() {
  local series=10000 map i seconds lines
  local -a times=() prometheus_times=() client_times=() client_prometheus_times=()
  echo "  (c) a scrape of ${series} drop series: the kernel map read, labelled and formatted, over HTTP"
  if ! monitor_start --max-series $((series * 2)); then
    figure monitor_scrape_seconds "(c) scrape of $series series" n/a s "<=" 0.05 "$(monitor_complaint)"
    return
  fi
  map=$(bpftool -j map show | python3 -c 'import json, sys
print(next(m["id"] for m in json.load(sys.stdin) if m.get("name") == "drops" and m.get("bytes_key") == 112))')
  synthetic_drop_keys "$map" "$series" >"$work/keys.bpftool"
  bpftool batch file "$work/keys.bpftool" >/dev/null
  lines=$(curl -s "http://127.0.0.1:$MON_PORT/metrics" | grep -c '^nettrace_skb_drops_total{' || true)
  # a monitor is scraped for months: the figures are its steady state, once the JIT has compiled
  # both kinds of scrape (after 5 only, the plain scrape's median was ~20 ms slower)
  for ((i = 0; i < 20; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$MON_PORT/metrics"
    curl -s --compressed -o /dev/null -H "$PROMETHEUS_ACCEPT" "http://127.0.0.1:$MON_PORT/metrics"
  done
  for ((i = 0; i < 11; i++)); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$MON_PORT/metrics")")
  done
  # as Prometheus asks: OpenMetrics first, compressed
  for ((i = 0; i < 11; i++)); do
    prometheus_times+=("$(curl -s --compressed -o /dev/null -w '%{time_total}' -H "$PROMETHEUS_ACCEPT" \
      "http://127.0.0.1:$MON_PORT/metrics")")
  done
  # the same through the client's own handler, which builds the whole response in memory first
  # (not counted in the peak RSS: nettrace's scrapes do not use it)
  monitor_peak "the 10,000-series scrapes"
  for ((i = 0; i < 11; i++)); do
    client_times+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$MON_PORT/metrics/client")")
    client_prometheus_times+=("$(curl -s --compressed -o /dev/null -w '%{time_total}' -H "$PROMETHEUS_ACCEPT" \
      "http://127.0.0.1:$MON_PORT/metrics/client")")
  done
  seconds=$(curl -s "http://127.0.0.1:$MON_PORT/metrics" | awk '/^nettrace_scrape_duration_seconds / { print $2 }')
  monitor_stop "" || echo "    PROBLEM: the monitor did not exit 0: $(monitor_complaint)"
  figure monitor_scrape_seconds "(c) scrape of $lines drop series (curl, median)" "$(median "${times[@]}")" s \
    "<=" 0.05 "the monitor's own part (read + label): $seconds s; the client's buffering handler: $(median "${client_times[@]}") s"
  figure monitor_scrape_prometheus_seconds "(c) the same as Prometheus asks (OpenMetrics, gzip; median)" \
    "$(median "${prometheus_times[@]}")" s "<=" 0.05 \
    "the client's buffering handler (gzip at zlib's default level): $(median "${client_prometheus_times[@]}") s"
}

MONITOR_CASES="overhead storm scrape"

# the monitor's parts --cases chose (all of them when it names none of them)
monitor_case() {
  local name
  for name in ${chosen_cases//,/ }; do
    [[ " $MONITOR_CASES " == *" $name "* ]] && { [[ ,$chosen_cases, == *,$1,* ]]; return; }
  done
  return 0
}

run_monitor() {
  section "5. nettrace monitor: overhead, a drop storm counted, a large scrape, memory"
  monitor_case overhead && monitor_overhead
  monitor_case storm && monitor_drop_storm
  monitor_case scrape && monitor_scrape
  if ((MON_PEAK_KB == 0)); then
    figure monitor_peak_rss "(d) the monitor's peak RSS" n/a MB "<=" 100 "no monitor run"
  else
    figure monitor_peak_rss "(d) the monitor's peak RSS" "$(awk -v k="$MON_PEAK_KB" 'BEGIN { print k / 1024 }')" \
      MB "<=" 100 "during $MON_PEAK_FROM"
  fi
}
