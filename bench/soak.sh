#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Soak test (`sudo make soak`; not part of `make test`, it takes minutes).
#
# A system-wide `ipctrace -f json -i 1 -o FILE` runs while examples/bin/churn
# forks SOAK_RATE short-lived processes per second for SOAK_SECONDS, each
# doing a socketpair exchange, a pipe write and a SIGUSR1 with its parent
# (five edges per process, with its SIGCHLD), under the name churn.PID (PID
# this script's), so that no other process's IPC counts as its own.
#
# ipctrace's VmRSS and the size of its output file are sampled four times a
# second; each report is matched with the first sample taken after it was
# written ("RSS"; "peak" is the highest since the previous report's, its
# building included).  The steady state starts 20% into the churn, and not
# before the retention (below) has passed; its first 10% is the RSS
# baseline, and the last 10% of the churn is compared with it.  The entries
# of ipctrace's BPF hash maps are counted (three times in a row) right after
# the baseline window and at 70% of the churn: bpftool dumps take seconds of
# CPU, so not inside an RSS window.  Then ipctrace gets SIGINT, and the run
# fails unless:
#
#  (a) memory is bounded: the median RSS sample of the last window is at
#      most RSS_GROWTH_PCT percent, or RSS_GROWTH_MIN_KB, above the
#      baseline window's; the least of the second three counts of BPF hash
#      map entries is at most MAP_GROWTH times (plus MAP_SLACK) the least
#      of the first three, and no hash map is MAP_FULL_PCT percent full in
#      any count;
#  (b) output follows activity, not history: over the reports written during
#      steady churn, the median size of the last third is at most
#      SIZE_GROWTH times the first third's, and the median report carries at
#      most EDGES_PER_ACTIVITY times the edges churn made in its interval;
#  (c) nothing is lost: every number under "lost" in every report is 0;
#  (d) the final report agrees with churn's own totals: pipe and unix_stream
#      edges with a process named churn.PID at one end (aggregates of folded
#      edges, which have names but no pids, included), bytes and msgs;
#      SIGUSR1 and SIGCHLD (CLD_EXITED) edges between two of them, msgs;
#  and churn itself kept up: it exited 0 at >= LOAD_MIN_PCT percent of the
#  requested rate (else the run did not test that rate).  It prints a table
#  of the reports (every one, or every k-th of a long run), the figures
#  each check compared, and a verdict; exit status 1 if a check failed, 2
#  if the run could not be made.
#
# Environment: SOAK_SECONDS (churn duration, default 180; 20 makes a quick
# run), SOAK_RATE (processes per second, default 2000), SOAK_RETENTION
# (ipctrace --retention: how long exited processes keep their own edges
# before they fold by name, default 10 s so that most of the run is steady
# state; empty for ipctrace's default), SOAK_MAX_MB (stop early when the
# output passes this size, default 4096), SOAK_KEEP=1 (keep the work
# directory with ipctrace's output).
set -euo pipefail

cd "$(dirname "$0")/.."

SOAK_SECONDS=${SOAK_SECONDS:-180}
SOAK_RATE=${SOAK_RATE:-2000}
SOAK_RETENTION=${SOAK_RETENTION-10}
SOAK_MAX_MB=${SOAK_MAX_MB:-4096}
SOAK_KEEP=${SOAK_KEEP:-0}

# The bounds; docs/performance.md ("Soak") says why these values.
RSS_GROWTH_PCT=20       # (a) RSS at the end vs. the steady state's start ...
RSS_GROWTH_MIN_KB=8192  #     ... or this much, whichever is larger
MAP_GROWTH=1.5          # (a) BPF hash map entries, end vs. steady state ...
MAP_SLACK=4096          #     ... plus this many
MAP_FULL_PCT=90         # (a) no hash map fuller than this
SIZE_GROWTH=1.5         # (b) last third's median report size / first third's
EDGES_PER_ACTIVITY=2    # (b) edges in a report / edges churn made in its interval
EDGES_PER_PROC=5        #     churn's edges per process: unix x2, pipe, SIGUSR1, SIGCHLD
LOAD_MIN_PCT=95         # churn's achieved rate, percent of SOAK_RATE

die() {
	echo "bench/soak.sh: $*" >&2
	exit 2
}

case $SOAK_SECONDS in '' | *[!0-9]*) die "SOAK_SECONDS must be a whole number" ;; esac
case $SOAK_RATE in '' | *[!0-9]*) die "SOAK_RATE must be a whole number" ;; esac
case $SOAK_MAX_MB in '' | *[!0-9]*) die "SOAK_MAX_MB must be a whole number" ;; esac
[ "$SOAK_SECONDS" -ge 10 ] || die "SOAK_SECONDS must be at least 10"
[ "$SOAK_RATE" -ge 1 ] || die "SOAK_RATE must be at least 1"
if [ "$(id -u)" -ne 0 ]; then
	die "needs root to load BPF programs: run 'sudo make soak'"
fi
for f in ./ipctrace examples/bin/churn; do
	[ -x "$f" ] || die "$f is not built: run 'make all' first"
done
if ! command -v jq >/dev/null 2>&1; then
	echo "bench/soak.sh: installing jq"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; } ||
		die "jq is missing and could not be installed"
fi

ipc_opts=(-f json -i 1)
if [ -n "$SOAK_RETENTION" ]; then
	if ./ipctrace --help 2>&1 | grep -q -- '--retention'; then
		ipc_opts+=(--retention "$SOAK_RETENTION")
	else
		echo "bench/soak.sh: this ipctrace has no --retention; SOAK_RETENTION ignored"
		SOAK_RETENTION=
	fi
fi

# The steady state starts 20% into the churn, and not before the edges of
# the first exited processes have had time to fold.
steady_s=$(awk -v t="$SOAK_SECONDS" -v r="${SOAK_RETENTION:-0}" \
	'BEGIN { s = 0.2 * t; if (r + 2 > s) s = r + 2; printf "%.1f", s }')
window_s=$(awk -v t="$SOAK_SECONDS" 'BEGIN { printf "%.1f", 0.1 * t }')
if awk -v s="$steady_s" -v w="$window_s" -v t="$SOAK_SECONDS" 'BEGIN { exit !(s + w > 0.7 * t) }'; then
	die "SOAK_SECONDS=$SOAK_SECONDS is too short for a retention of ${SOAK_RETENTION}s" \
		"(the steady state would start at ${steady_s}s)"
fi

tmp=$(mktemp -d /tmp/ipctrace-soak.XXXXXX)
out=$tmp/out.json
# churn runs under a name of this run's own (its comm is the name it was
# exec'd by), so that another churn on the machine does not count in (d).
churn_name=churn.$$
ln -s "$PWD/examples/bin/churn" "$tmp/$churn_name"
ipc_pid=
churn_pid=
sampler_pid=
maps_a_pid=
maps_b_pid=
# shellcheck disable=SC2317 # (run by the trap)
cleanup() {
	local p
	set +e # a wait for what was killed fails: the exit status stays ours
	for p in "$churn_pid" "$sampler_pid" "$maps_a_pid" "$maps_b_pid"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "$ipc_pid" ]; then
		kill -INT "$ipc_pid" 2>/dev/null && wait "$ipc_pid" 2>/dev/null
	fi
	if [ "$SOAK_KEEP" = 1 ]; then
		echo "bench/soak.sh: kept $tmp"
	else
		rm -rf "$tmp"
	fi
	return 0
}
trap cleanup EXIT

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# ipctrace's user+system CPU time so far, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Sum of the entries of ipctrace's BPF hash maps, the fullest one's
# percentage and name: "ENTRIES PCT NAME".  bpftool dumps each map, at the
# lowest priority: a second or two of CPU.
map_occupancy() {
	local f type id max n total=0 worst=0 name=-
	for f in /proc/"$ipc_pid"/fdinfo/*; do
		type=$(awk '/^map_type:/ { print $2 }' "$f" 2>/dev/null) || continue
		[ "$type" = 1 ] || continue # BPF_MAP_TYPE_HASH: LRU maps evict by design
		id=$(awk '/^map_id:/ { print $2 }' "$f")
		max=$(awk '/^max_entries:/ { print $2 }' "$f")
		# unique: a dump restarts from the first key when the one it stands
		# on is deleted meanwhile, as the collector's reaping does
		n=$(nice -n 19 bpftool -j map dump id "$id" 2>/dev/null |
			jq 'map(.key) | unique | length' 2>/dev/null || echo 0)
		total=$((total + n))
		if [ "$max" -gt 0 ] && [ $((n * 100 / max)) -ge "$worst" ]; then
			worst=$((n * 100 / max))
			name=$(bpftool map show id "$id" 2>/dev/null | awk 'NR == 1 { print $4 }')
		fi
	done
	echo "$total $worst ${name:--}"
}

# Three counts in a row: "LEAST-ENTRIES FULLEST-PCT ITS-NAME".  The entries
# of exited processes come and go with the collector's reaping, so one count
# can be twice another; the least of three is the floor, which is what
# entries never reaped would raise.
map_sample() {
	local i n p m least='' worst=0 name=-
	for i in 1 2 3; do
		read -r n p m <<<"$(map_occupancy)"
		if [ -z "$least" ] || [ "$n" -lt "$least" ]; then least=$n; fi
		if [ "$p" -ge "$worst" ]; then worst=$p name=$m; fi
	done
	echo "$least $worst $name"
}

# Samples every 250 ms: "ms-since-start bytes-of-output rss-kB", until
# ipctrace exits.  Past SOAK_MAX_MB of output it stops ipctrace.
t_start=$(now_ms)
sampler() {
	local rss size
	while kill -0 "$ipc_pid" 2>/dev/null; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ipc_pid/status" 2>/dev/null || true)
		size=$(stat -c %s "$out" 2>/dev/null || echo 0)
		[ -n "$rss" ] && echo "$(($(now_ms) - t_start)) $size $rss"
		if [ "$size" -gt $((SOAK_MAX_MB * 1048576)) ] && [ ! -e "$tmp/capped" ]; then
			: >"$tmp/capped"
			kill -INT "$ipc_pid" 2>/dev/null || true
		fi
		sleep 0.25
	done >"$tmp/samples"
}

echo "soak: ipctrace ${ipc_opts[*]} system-wide; churn at $SOAK_RATE processes/s for" \
	"${SOAK_SECONDS}s"
./ipctrace "${ipc_opts[@]}" -o "$out" </dev/null >/dev/null 2>"$tmp/ipctrace.err" &
ipc_pid=$!
sampler &
sampler_pid=$!

# Wait for the first report: the programs are loaded and attached.
for ((i = 0; i < 240; i++)); do
	grep -q -m 1 '^{"type":"report"' "$out" 2>/dev/null && break
	kill -0 "$ipc_pid" 2>/dev/null || break
	sleep 0.25
done
if ! grep -q -m 1 '^{"type":"report"' "$out" 2>/dev/null; then
	cat "$tmp/ipctrace.err" >&2
	die "ipctrace wrote no report within 60 s"
fi
sleep 2 # two idle reports: the baseline before the load

maps_a_ms=$(awk -v s="$steady_s" -v w="$window_s" 'BEGIN { printf "%d", (s + w) * 1000 }')

churn_off0=$(stat -c %s "$out")
churn_t0=$(($(now_ms) - t_start))
cpu0=$(cpu_ticks "$ipc_pid")
forks0=$(awk '/^processes / { print $2 }' /proc/stat)
"$tmp/$churn_name" -r "$SOAK_RATE" -d "$SOAK_SECONDS" </dev/null >/dev/null 2>"$tmp/churn.err" &
churn_pid=$!
# The map samples load the machine for seconds: not inside the RSS windows,
# and in the background, so that churn's end is seen at once.
while kill -0 "$churn_pid" 2>/dev/null; do
	el=$(($(now_ms) - t_start - churn_t0))
	if [ -z "$maps_a_pid" ] && [ "$el" -ge "$maps_a_ms" ]; then
		map_sample >"$tmp/maps_a" &
		maps_a_pid=$!
	elif [ -z "$maps_b_pid" ] && [ "$el" -ge $((SOAK_SECONDS * 700)) ]; then
		map_sample >"$tmp/maps_b" &
		maps_b_pid=$!
	fi
	if [ -e "$tmp/capped" ] || ! kill -0 "$ipc_pid" 2>/dev/null; then
		kill "$churn_pid" 2>/dev/null || true
	fi
	if [ $((el / 10000)) -ne "${last_note:--1}" ] && [ -t 1 ]; then
		last_note=$((el / 10000))
		printf '\r  churning: %ds of %ds ' $((el / 1000)) "$SOAK_SECONDS"
	fi
	sleep 0.2
done
churn_t1=$(($(now_ms) - t_start))
churn_off1=$(stat -c %s "$out")
cpu1=$(cpu_ticks "$ipc_pid")
forks1=$(awk '/^processes / { print $2 }' /proc/stat)
[ -t 1 ] && printf '\r%40s\r' ''
churn_rc=0
wait "$churn_pid" || churn_rc=$?
churn_pid=
for p in "$maps_a_pid" "$maps_b_pid"; do
	[ -z "$p" ] || wait "$p" || true
done
maps_a_pid='' maps_b_pid=''
[ -s "$tmp/maps_b" ] || map_sample >"$tmp/maps_b"
[ -s "$tmp/maps_a" ] || cp "$tmp/maps_b" "$tmp/maps_a"
maps_a=$(cat "$tmp/maps_a")
maps_b=$(cat "$tmp/maps_b")

sleep 2 # the reports of the quiet after
ipc_rc=0
if kill -INT "$ipc_pid" 2>/dev/null; then
	for ((i = 0; i < 120; i++)); do
		kill -0 "$ipc_pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$ipc_pid" 2>/dev/null; then
		kill -KILL "$ipc_pid" 2>/dev/null || true
		echo "bench/soak.sh: ipctrace did not exit within 60 s of SIGINT" >&2
	fi
fi
wait "$ipc_pid" || ipc_rc=$?
ipc_pid=
wait "$sampler_pid" || true
sampler_pid=

# --- the figures ---------------------------------------------------------

# Reports: "seq start end bytes edges final elapsed_s", from the byte
# offsets of their lines (a report is its report line and what follows).
LC_ALL=C awk '
	function flush() { if (seq != "") printf "%s %.0f %.0f %.0f %d %d %s\n", seq, start, off, off - start, edges, final, el }
	/^\{"type":"report"/ {
		flush()
		start = off + 0; edges = 0
		seq = $0; sub(/.*"seq":/, "", seq); sub(/[,}].*/, "", seq)
		el = $0; sub(/.*"elapsed_s":/, "", el); sub(/[,}].*/, "", el)
		final = ($0 ~ /"final":true/) ? 1 : 0
	}
	/^\{"type":"edge"/ { edges++ }
	{ off += length($0) + 1 }
	END { flush() }' "$out" >"$tmp/reports"

# Lost, per report (same order): the sum of the numbers directly under
# "lost" (events, map_full, ...), or "nested" if only deeper ones (a
# breakdown by cause, say) are not 0.  Any number under "lost" not 0 is a
# loss.
grep '^{"type":"report"' "$out" | jq -r '(.lost // {}) as $l
	| ([$l | to_entries[] | .value | numbers] | add // 0) as $top
	| if $top != 0 then $top
	  elif ([$l | .. | numbers | select(. != 0)] | length) > 0 then "nested"
	  else 0 end' >"$tmp/lost"
paste -d ' ' "$tmp/reports" "$tmp/lost" >"$tmp/rep"

# Per report: its RSS sample, its phase; then the checks.
churn_bench=$(grep '^{"type":"bench"' "$tmp/churn.err" | tail -n 1 || true)
churn_truth=$(grep '^{"type":"truth"' "$tmp/churn.err" | tail -n 1 || true)
achieved=$(jq -r '.rate // 0' <<<"${churn_bench:-null}")
churn_procs=$(jq -r '.procs // 0' <<<"${churn_bench:-null}")

LC_ALL=C awk -v off0="$churn_off0" -v off1="$churn_off1" -v t0="$churn_t0" -v t1="$churn_t1" \
	-v steady="$steady_s" -v win="$window_s" -v rate="$achieved" -v epp="$EDGES_PER_PROC" \
	-v samples="$tmp/samples" -v table="$tmp/table" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	BEGIN {
		while ((getline line < samples) > 0) {
			split(line, f, " "); ns++; st[ns] = f[1]; ssz[ns] = f[2]; srss[ns] = f[3]
		}
	}
	{
		nr++; seq[nr] = $1; start[nr] = $2; end[nr] = $3; bytes[nr] = $4; edges[nr] = $5
		fin[nr] = $6; el[nr] = $7; lost[nr] = $8
	}
	END {
		k = 1
		for (i = 1; i <= nr; i++) {
			pk = 0
			while (k <= ns && ssz[k] < end[i]) { if (srss[k] > pk) pk = srss[k]; k++ }
			rss[i] = k <= ns ? srss[k] : "-"
			peak[i] = k <= ns && srss[k] > pk ? srss[k] : pk ? pk : "-"
			t[i] = k <= ns ? st[k] : "-"
			phase[i] = fin[i] ? "final" : start[i] < off0 ? "before" : end[i] <= off1 ? "churn" : "after"
			dt[i] = i > 1 ? el[i] - el[i - 1] : el[i]
		}
		# Steady churn: the churn reports but the first two (the first
		# straddles the start).
		m = 0
		for (i = 1; i <= nr; i++) if (phase[i] == "churn") { c++; if (c > 2) { m++; sidx[m] = i } }
		third = int(m / 3)
		for (j = 1; j <= third; j++) {
			a[j] = bytes[sidx[j]]; b[j] = bytes[sidx[m - third + j]]
			ia[j] = dt[sidx[j]]; ib[j] = dt[sidx[m - third + j]]
		}
		med_first = third ? median(a, third) : 0
		med_last = third ? median(b, third) : 0
		int_first = third ? median(ia, third) : 0
		int_last = third ? median(ib, third) : 0
		for (j = 1; j <= m; j++) {
			i = sidx[j]; want = rate * dt[i] * epp
			r[j] = want > 0 ? edges[i] / want : 0
			e[j] = edges[i]; by[j] = bytes[i]
		}
		med_ratio = m ? median(r, m) : 0
		med_edges = m ? median(e, m) : 0
		med_bytes = m ? median(by, m) : 0
		# RSS windows, in churn time: [steady, steady + win] and [end - win, end].
		for (k = 1; k <= ns; k++) {
			x = (st[k] - t0) / 1000
			if (x >= steady && x <= steady + win) wa[++na] = srss[k]
			if (st[k] >= t1 - win * 1000 && st[k] <= t1) wb[++nb] = srss[k]
			if (st[k] < t0 && srss[k] > rss_idle) rss_idle = srss[k]
			if (srss[k] > rss_max) rss_max = srss[k]
		}
		rss_a = na ? median(wa, na) : 0
		rss_b = nb ? median(wb, nb) : 0
		lost_any = 0; first_lost = ""
		for (i = 1; i <= nr; i++) if (lost[i] != 0) { lost_any++; if (first_lost == "") first_lost = seq[i] }
		# Table: every report if few, else every k-th and every non-churn one.
		every = nr > 40 ? int((nr + 39) / 40) : 1
		printf "%6s %8s %-7s %9s %9s %10s %7s %6s\n", "report", "t(s)", "phase", "RSS(kB)", "peak", "bytes", "edges", "lost" > table
		for (i = 1; i <= nr; i++)
			if (every == 1 || i % every == 0 || phase[i] != "churn" || lost[i] != 0 && lost[i - 1] == 0)
				printf "%6s %8.1f %-7s %9s %9s %10.0f %7d %6s\n", seq[i], el[i], phase[i], rss[i], peak[i], bytes[i], edges[i], lost[i] > table
		printf "steady_reports=%d\nmed_first=%.0f\nmed_last=%.0f\nmed_ratio=%.3f\nmed_edges=%d\nmed_bytes=%.0f\nint_first=%.2f\nint_last=%.2f\n", m, med_first, med_last, med_ratio, med_edges, med_bytes, int_first, int_last
		printf "rss_idle=%d\nrss_a=%d\nrss_b=%d\nrss_max=%d\nlost_reports=%d\nfirst_lost=%s\nlast_lost=%s\nreports=%d\n", rss_idle, rss_a, rss_b, rss_max, lost_any, first_lost == "" ? "-" : first_lost, nr ? lost[nr] : 0, nr
	}' "$tmp/rep" >"$tmp/figures"
rss_a=0 rss_b=0 rss_idle=0 rss_max=0 med_first=0 med_last=0 med_ratio=0 med_edges=0
steady_reports=0 lost_reports=0 first_lost=- last_lost=0 reports=0 int_first=0 int_last=0
# shellcheck disable=SC1091
. "$tmp/figures"

# The final report's churn edges, summed.  Folded aggregates ("folded": the
# count of edges in them) have names but no pids, and a signal aggregate
# names its signal in "object" only, without a "code": churn's SIGCHLDs are
# all CLD_EXITED, so one between two churn processes counts as such.  A
# name longer than 15 bytes would be cut: churn.PID is at most 13.
final_start=$(awk '$6 == 1 { s = $2 } END { printf "%.0f\n", s }' "$tmp/rep")
have=$(tail -c +$((final_start + 1)) "$out" | grep '^{"type":"edge"' | jq -s -c --arg c "${churn_name:0:15}" '
	def churn(e): (e.src.comm == $c or e.dst.comm == $c);
	def both(e): (e.src.comm == $c and e.dst.comm == $c);
	def sig(e): (e.signal // e.object);
	def tot(f): (map(select(f)) | {msgs: (map(.msgs) | add // 0), bytes: (map(.bytes) | add // 0)});
	{pipe: tot(.mech == "pipe" and churn(.)),
	 unix_stream: tot(.mech == "unix_stream" and churn(.)),
	 SIGUSR1: tot(.mech == "signal" and sig(.) == "SIGUSR1" and both(.)).msgs,
	 SIGCHLD: tot(.mech == "signal" and sig(.) == "SIGCHLD" and (.code // "CLD_EXITED") == "CLD_EXITED"
		      and both(.)).msgs,
	 folded: map(select(.folded != null and .folded != false)) | length}')
want=$(jq -c '{pipe: {msgs: .pipe.msgs, bytes: .pipe.bytes},
	unix_stream: {msgs: .unix_stream.msgs, bytes: .unix_stream.bytes},
	SIGUSR1: .signal.SIGUSR1.msgs, SIGCHLD: .signal.SIGCHLD.msgs}' <<<"${churn_truth:-null}")

# --- the verdict ---------------------------------------------------------

cat "$tmp/table"
echo
fails=()
check() { # check OK|FAIL TEXT
	printf '  %-4s %s\n' "$1" "$2"
	[ "$1" = ok ] || fails+=("$2")
}
verdict() { awk "BEGIN { print ($1) ? \"ok\" : \"FAIL\" }"; }

echo "soak summary: rate $SOAK_RATE/s requested, ${achieved}/s achieved ($churn_procs processes" \
	"in $(((churn_t1 - churn_t0) / 1000))s), retention ${SOAK_RETENTION:-default}," \
	"ipctrace CPU $(awk -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v ms=$((churn_t1 - churn_t0)) \
		'BEGIN { printf "%.0f%%", ms ? 100 * c / hz / (ms / 1000) : 0 }') of one vCPU during the churn"
# Other work on the machine: a check can fail for its IPC, exits or CPU.
# (This script's sampling forks some 40 processes a second itself.)
others=$(((forks1 - forks0 - churn_procs) * 1000 / (churn_t1 - churn_t0 + 1)))
if [ "$others" -gt $((SOAK_RATE / 10)) ]; then
	echo "  note: the rest of the machine forked ${others} processes/s meanwhile;" \
		"the figures include their IPC and exits"
fi
if [ -e "$tmp/capped" ]; then
	check FAIL "output passed SOAK_MAX_MB=$SOAK_MAX_MB MB: ipctrace was stopped early"
fi
check "$( [ "$churn_rc" -eq 0 ] && verdict "$achieved >= $SOAK_RATE * $LOAD_MIN_PCT / 100" || echo FAIL)" \
	"load: churn exit $churn_rc, ${achieved}/s >= ${LOAD_MIN_PCT}% of ${SOAK_RATE}/s"
check "$( [ "$ipc_rc" -eq 0 ] || [ "$ipc_rc" -eq 130 ] && echo ok || echo FAIL)" \
	"ipctrace exit status $ipc_rc (0 or 130 after SIGINT)"
check "$(verdict "$rss_b <= $rss_a + ($rss_a * $RSS_GROWTH_PCT / 100 > $RSS_GROWTH_MIN_KB ? $rss_a * $RSS_GROWTH_PCT / 100 : $RSS_GROWTH_MIN_KB) && $rss_a > 0")" \
	"(a) RSS ${rss_b} kB at the end vs ${rss_a} kB at ${steady_s}s, medians over ${window_s}s (idle ${rss_idle} kB, peak ${rss_max} kB): growth <= max(${RSS_GROWTH_PCT}%, ${RSS_GROWTH_MIN_KB} kB)"
read -r map_a map_a_pct map_a_name <<<"$maps_a"
read -r map_b map_b_pct map_b_name <<<"$maps_b"
check "$(verdict "$map_b <= $map_a * $MAP_GROWTH + $MAP_SLACK && $map_a_pct < $MAP_FULL_PCT && $map_b_pct < $MAP_FULL_PCT")" \
	"(a) BPF hash map entries (least of 3 counts) $map_b at $((SOAK_SECONDS * 7 / 10))s vs $map_a at $(awk -v s="$steady_s" -v w="$window_s" 'BEGIN { print s + w }')s, fullest map $map_a_name ${map_a_pct}% then $map_b_name ${map_b_pct}%: <= ${MAP_GROWTH}x + $MAP_SLACK, < ${MAP_FULL_PCT}% full"
check "$(verdict "$steady_reports >= 3 && $med_last <= $med_first * $SIZE_GROWTH")" \
	"(b) median report $med_last bytes in the last third vs $med_first in the first ($steady_reports steady reports, median interval ${int_last}s vs ${int_first}s): <= ${SIZE_GROWTH}x"
check "$(verdict "$steady_reports >= 3 && $med_ratio <= $EDGES_PER_ACTIVITY")" \
	"(b) median report has $med_edges edges, $(printf '%.2f' "$med_ratio")x the $EDGES_PER_PROC edges per process churn made in its interval: <= ${EDGES_PER_ACTIVITY}x"
check "$( [ "$lost_reports" -eq 0 ] && echo ok || echo FAIL)" \
	"(c) lost: $lost_reports of $reports reports count losses (first in report $first_lost, final total $last_lost)"
check "$( [ -n "$churn_truth" ] && [ "$(jq -S -c 'del(.folded)' <<<"$have")" = "$(jq -S -c . <<<"$want")" ] && echo ok || echo FAIL)" \
	"(d) final report vs churn's truth: $(jq -c 'del(.folded)' <<<"$have") vs $want ($(jq .folded <<<"$have") folded edges)"
grep -v '^{"type":"\(truth\|bench\)"' "$tmp/churn.err" | head -n 5 || true
grep -v '^$' "$tmp/ipctrace.err" | head -n 5 | sed 's/^/  ipctrace: /' || true
echo
if [ ${#fails[@]} -eq 0 ]; then
	echo "soak: PASS (${SOAK_SECONDS}s at ${SOAK_RATE}/s)"
	exit 0
fi
echo "soak: FAIL (${#fails[@]} of the checks above)"
exit 1
