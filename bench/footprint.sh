# Sections 5 and 6 of bench/run, sourced by it (they report through its figure()): what a
# nettrace that waits costs, and how fast it is in its first seconds.

# ---------------------------------------------------------------- 5. idle

# An idle case: NAME|LABEL|nettrace options (a filter nothing on the machine matches)
idle_cases() {
  cat <<EOF
default|default mode|${NOMATCH_FILTER[*]}
diag|--diag|--diag ${NOMATCH_FILTER[*]}
drop|--drop|--drop ${NOMATCH_FILTER[*]}
monitor|nettrace monitor|${NOMATCH_FILTER[*]}
EOF
}

# CPU time (user + system) of nettrace's process so far, in clock ticks.
nettrace_cpu_ticks() { sed 's/.*) //' "/proc/$NT_PID/stat" | awk '{ print $12 + $13 }'; }

# Run time of each of nettrace's threads so far, "tid name nanoseconds" (schedstat: precise,
# unlike ticks).
nettrace_thread_times() {
  local task
  for task in /proc/"$NT_PID"/task/*; do
    printf '%s %s %s\n' "${task##*/}" "$(tr ' ' '_' <"$task/comm")" "$(cut -d' ' -f1 "$task/schedstat")"
  done 2>/dev/null
}

idle_case() {
  local name=$1 label=$2 options=$3 rc=0 before after ticks_per_second rss_kb threads_before
  # shellcheck disable=SC2086  # options are words
  if [[ $name == monitor ]]; then
    monitor_start $options || rc=$?
  else
    nettrace_start $options || rc=$?
  fi
  if ((rc == 2)); then
    figure "idle_cpu_$name" "$label: CPU while idle" n/a "%cpu" "<=" 0.1 "mode not available"
    return
  elif ((rc != 0)); then
    figure "idle_cpu_$name" "$label: CPU while idle" n/a "%cpu" "<=" 0.1 "nettrace did not start: $(nettrace_complaint)"
    return
  fi
  # start-up's compilations, the collection before tracing and the first trims are over by then
  sleep "$IDLE_SETTLE_SECONDS"
  threads_before=$(nettrace_thread_times)
  before=$(nettrace_cpu_ticks)
  sleep "$idle_seconds"
  after=$(nettrace_cpu_ticks)
  rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$NT_PID/status")
  local busiest
  busiest=$(join <(sort <<<"$threads_before") <(nettrace_thread_times | sort) 2>/dev/null |
    awk '{ d = ($5 - $3) / 1e6; if (d >= 0.05) printf "%s %.1f\n", $2, d }' | sort -k2 -rn | head -4 |
    awk '{ printf "%s%s %s ms", (NR > 1 ? ", " : ""), $1, $2 }')
  rc=0
  if [[ $name == monitor ]]; then
    monitor_stop idle || rc=$?
  else
    nettrace_stop || rc=$?
  fi
  ((rc == 0)) || echo "    nettrace exited $rc after being stopped: $(nettrace_complaint)"
  ticks_per_second=$(getconf CLK_TCK)
  figure "idle_cpu_$name" "$label: CPU while idle" \
    "$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v s="$idle_seconds" 'BEGIN { printf "%.3f", 100 * t / hz / s }')" \
    "%cpu" "<=" 0.1 "$((after - before)) ticks in ${idle_seconds} s; threads: ${busiest:-none ran 0.05 ms}"
  if [[ $name == default ]]; then
    figure idle_rss "$label: RSS while idle" "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" MB "<=" 80 \
      "after ${IDLE_SETTLE_SECONDS} + ${idle_seconds} s; the breakdown: bench/memory"
  fi
}

run_idle() {
  section "5. Idle: nettrace attached, nothing matching, for ${idle_seconds} s (CPU from /proc/PID/stat)"
  echo "  Figures in percent of one CPU; the note names the threads that ran (schedstat)."
  local line name label options
  while IFS='|' read -r name label options; do
    idle_case "$name" "$label" "$options"
  done < <(idle_cases)
}

# ---------------------------------------------------------------- 6. the first seconds

# The consumer's hot path in the default mode: a record's way from the ring to the printed life.
HOT_METHODS="nettrace.libbpf.RingBuffer::drain nettrace.event.EventDecoder::decode
nettrace.lifecycle.LifecycleTracker::accept nettrace.output.EventFormatter::append
nettrace.output.LifePrinter::complete"

# Seconds from JVM start until each hot method's last C2 (tier 4) code was installed, from a
# -Xlog:jit+compilation=debug log (uptime decorations): a compilation's line is printed when it
# starts, its code is installed when the method's lower tier is "made not entrant: not used".
# Prints "METHOD SECONDS" per method, SECONDS "never" when no C2 code stayed installed.
hot_methods_compiled() {
  python3 - "$1" $HOT_METHODS <<'EOF'
import re, sys
log, methods = sys.argv[1], sys.argv[2:]
line_re = re.compile(r"^\[([0-9.]+)s\]\s+(\d+)\s+(%?)\s*[sbn!]*\s*(\d)\s+(\S+)(.*)$")
state = {m: {"c2": None, "since": None, "pending": None} for m in methods}
for line in open(log, errors="replace"):
    m = line_re.match(line)
    if not m:
        continue
    time, cid, osr, tier, method, rest = float(m[1]), m[2], m[3], int(m[4]), m[5], m[6]
    if method not in state or osr:
        continue
    s = state[method]
    if "made not entrant" in rest:
        if s["c2"] == cid:
            s["c2"] = s["since"] = None
        elif s["pending"] and tier < 4:          # the C2 code replaced this one
            s["c2"], s["since"], s["pending"] = s["pending"][0], time, None
    elif tier == 4:
        s["pending"] = (cid, time)
for method, s in state.items():
    since = s["since"] if s["c2"] else (s["pending"][1] if s["pending"] else None)
    print(method, "never" if since is None else f"{since:.3f}")
EOF
}

first_seconds_case() {
  local i rc plain first next began hot latest never=0
  local -a firsts=() nexts=() compiled=() problems=()
  for ((i = 1; i <= pairs; i++)); do
    measure_udp "$FIRST_SECONDS"
    plain=$UDP_RATE
    rc=0
    NETTRACE_JAVA_OPTS="${NETTRACE_JAVA_OPTS:-} -Xlog:jit+compilation=debug:file=$work/jit.log:uptime" \
      nettrace_start "${FLOW_FILTER[@]}" || rc=$?
    if ((rc != 0)); then
      problems+=("pair $i: nettrace did not start: $(nettrace_complaint)")
      continue
    fi
    began=$NT_START_SECONDS    # launch → begin trace; JVM uptime starts within milliseconds of launch
    measure_udp "$FIRST_SECONDS"
    first=$UDP_RATE
    measure_udp "$FIRST_SECONDS"
    next=$UDP_RATE
    rc=0; nettrace_stop || rc=$?
    ((rc == 0)) || problems+=("pair $i: nettrace exited $rc after SIGINT: $(nettrace_complaint)")
    hot=$(hot_methods_compiled "$work/jit.log")
    latest=$(awk -v b="$began" '$2 == "never" { never = 1 } $2 != "never" && $2 - b > m { m = $2 - b }
      END { if (never) print "never"; else printf "%.2f", (m > 0 ? m : 0) }' <<<"$hot")
    firsts+=("$(awk -v a="$plain" -v b="$first" 'BEGIN { printf "%.3f", b / a }')")
    nexts+=("$(awk -v a="$plain" -v b="$next" 'BEGIN { printf "%.3f", b / a }')")
    # not by the end of the run: counted as the run's length, a lower bound
    if [[ $latest == never ]]; then
      never=$((never + 1))
      compiled+=("$((2 * FIRST_SECONDS))")
    else
      compiled+=("$latest")
    fi
    printf '    pair %d: UDP %s pkt/s untraced; traced %s in the first %s s, %s in the next; hot path in C2 %s s after begin\n' \
      "$i" "$plain" "$first" "$FIRST_SECONDS" "$next" "$latest"
    [[ $latest == never ]] && echo "      not compiled by C2 (yet): $(awk '$2 == "never" { printf "%s ", $1 }' <<<"$hot")"
  done
  local problem
  for problem in "${problems[@]}"; do
    echo "    PROBLEM: $problem"
  done
  if ((${#firsts[@]} == 0)); then
    figure first_seconds_ratio_udp "UDP in the first ${FIRST_SECONDS} s after begin trace" n/a ratio ">=" 0.75 "nettrace failed"
    figure hot_path_compiled_seconds "begin trace → hot path in C2 code" n/a s "<=" "$FIRST_SECONDS"
    return
  fi
  figure first_seconds_ratio_udp "UDP in the first ${FIRST_SECONDS} s after begin trace" "$(median "${firsts[@]}")" \
    ratio ">=" 0.75 "pairs ${firsts[*]}; the next ${FIRST_SECONDS} s: $(median "${nexts[@]}")"
  local note="pairs ${compiled[*]}"
  ((never == 0)) || note+="; in $never of them the run ended first (counted as its $((2 * FIRST_SECONDS)) s)"
  figure hot_path_compiled_seconds "begin trace → hot path in C2 code" "$(median "${compiled[@]}")" s "<=" \
    "$FIRST_SECONDS" "$note"
}

run_first_seconds() {
  section "6. The first seconds: default mode on the UDP flood right from begin trace, $pairs pairs"
  echo "  Ratio: UDP delivered in the first ${FIRST_SECONDS} s after begin trace / untraced (the next ${FIRST_SECONDS} s in the note);"
  echo "  hot path: the last of $(wc -w <<<"$HOT_METHODS") consumer methods to get its final C2 code (-Xlog:jit+compilation)."
  first_seconds_case
}
