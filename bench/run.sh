#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Overhead of ipctrace, measured on the workloads themselves (`make bench`).
#
# Pipe ping-pong (examples/bin/pingpong), 1-byte and 64-byte messages,
# unpinned and with both processes on CPU 0, in three variants:
#   untraced  the workload alone
#   traced    under `ipctrace -f json -o /dev/null --`
#   floor     under `ipctrace --bench-noop ...`: the same tracepoints with
#             programs that return at once, the cost of the design itself
# The same with examples/bin/sock_pingpong: 1-byte messages over a unix
# stream socketpair and over a loopback TCP connection; and with
# examples/bin/futex_raw -b: two processes handing a turn to each other on
# a futex word in shared memory (FUTEX_WAIT / FUTEX_WAKE).
# Every round runs the three variants back to back (their order rotating),
# so slow drifts of the machine hit all of them; the table shows the median
# elapsed time per variant and the median of the per-round ratios.  Times
# are what the workload measures around its exchange loop, so ipctrace's
# start-up is not counted.
#
# The "bpf" group: the programs' own run time per round trip of the pinned
# pipe, unix and TCP ping-pongs (kernel.bpf_stats_enabled), over the rest
# of the same run's round trip; with BASE, REV's too and the estimated
# change (see measure_bpf below).
#
# The "file" group: what -m file costs a process that reads and writes a
# regular file (examples/bin/file_loop: -n 64-byte pwrite+pread pairs, and
# write+read pairs), untraced, traced without -m file (its regular-file
# calls cost only the fd check of the read and write hooks), and traced
# with -m all,file (a record per call on the file_events ring).
#
# Then an untraced process: a getppid() loop (examples/bin/syscall_loop)
# alone, with a system-wide ipctrace running, and with a system-wide
# `ipctrace --bench-noop` (its floor), i.e. what tracing costs a process
# whose system calls ipctrace does not hook.
#
# Each ratio is the median of the per-round ratios, with the spread of the
# middle half of the rounds (p25-p75): on a shared VM the machine itself
# drifts by 10-20% between runs, and the spread says how far to trust a
# row.  "2x floor" checks DESIGN.md's goal: ipctrace's overhead at most
# twice the floor's, (traced - 1) <= 2 * (floor - 1).
#
# Environment: ROUNDS (round trips per run, default 100000), ROUNDS_N (runs
# per variant, default 7), LOOP_N (getppid calls per run, default 2000000),
# CPU (the CPU of the pinned case, default 0), CASES (which groups to run,
# default "start pipe sock futex bpf file events loop"), EV_RATES (writes per
# second offered in the events group's drop-rate rows, default "25000 50000
# 100000 200000 400000"), BASE (a git revision to compare
# with: `make bench BASE=v1.2` or `BASE=HEAD~3`; built once in .output/base).
#
# .output/base/REV is a copy of REV's tree (git archive), built with its
# own Makefile: its ipctrace carries its own BPF programs.
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-100000}
ROUNDS_N=${ROUNDS_N:-7}
LOOP_N=${LOOP_N:-2000000}
CPU=${CPU:-0}
CASES=${CASES:-start pipe sock futex bpf file events loop}
# BASE=REV (a git revision): its ipctrace runs too, alternated with the
# others in every round, and each row gets a "vs base" line: traced/base is
# the change of this tree's cost against REV's, measured in one run.
BASE=${BASE:-}
# A traced round must not overlap the previous one's detach (ipctrace hands
# it to a background process at exit, where it takes about a second).
export IPCTRACE_SYNC_DETACH=1

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: needs root to load BPF programs: run 'sudo make bench'" >&2
	exit 1
fi
for f in ./ipctrace examples/bin/pingpong examples/bin/sock_pingpong examples/bin/futex_raw \
	examples/bin/syscall_loop examples/bin/file_loop examples/bin/event_rate; do
	if [ ! -x "$f" ]; then
		echo "bench/run.sh: $f is not built: run 'make all' first" >&2
		exit 1
	fi
done

base_bin=
if [ -n "$BASE" ]; then
	base_rev=$(git rev-parse --short "$BASE^{commit}") || {
		echo "bench/run.sh: BASE=$BASE is not a git revision of this tree" >&2
		exit 1
	}
	base_dir=.output/base/$base_rev
	if [ ! -x "$base_dir/ipctrace" ]; then
		echo "bench/run.sh: building ipctrace at $base_rev in $base_dir ..." >&2
		rm -rf "$base_dir"
		mkdir -p "$base_dir"
		git archive "$base_rev" | tar -x -C "$base_dir"
		if ! make -C "$base_dir" -j"$(nproc)" ipctrace >"$base_dir.log" 2>&1; then
			echo "bench/run.sh: building $base_rev failed: see $base_dir.log" >&2
			exit 1
		fi
	fi
	base_bin=$base_dir/ipctrace
fi

tmp=$(mktemp -d /tmp/ipctrace-bench.XXXXXX)
bg_pid=
bpf_stats_was= # kernel.bpf_stats_enabled before the bpf group, restored at exit
cleanup() {
	if [ -n "$bpf_stats_was" ]; then
		sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_was" || true
	fi
	if [ -n "$bg_pid" ]; then
		kill -INT "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The elapsed_ns of the workload's {"type":"bench",...} line in file $1.
bench_ns() {
	sed -n 's/^{"type":"bench".*"elapsed_ns":\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1
}

# run VARIANT ARGS...: run the workload once, print its elapsed_ns.
run() {
	local variant=$1 err=$tmp/stderr ns
	shift
	case $variant in
	untraced) "$@" ;;
	traced) ./ipctrace -f json -o /dev/null -- "$@" ;;
	floor) ./ipctrace --bench-noop -f json -o /dev/null -- "$@" ;;
	file) ./ipctrace -m all,file -f json -o /dev/null -- "$@" ;;
	events) ./ipctrace --events -f json -o /dev/null -- "$@" ;;
	base) "$base_bin" -f json -o /dev/null -- "$@" ;;
	esac >/dev/null 2>"$err" || {
		echo "bench/run.sh: the $variant run of '$*' failed:" >&2
		cat "$err" >&2
		exit 1
	}
	ns=$(bench_ns "$err")
	if [ -z "$ns" ]; then
		echo "bench/run.sh: no bench line from the $variant run of '$*':" >&2
		cat "$err" >&2
		exit 1
	fi
	echo "$ns"
}

# Median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Quantile q (0..1, nearest rank) of the numbers on stdin.
quantile() {
	sort -g | awk -v q="$1" '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      i = int(q * (NR - 1) + 0.5) + 1; print v[i] }'
}

# Median of the per-line ratios column $1 / column $2 of file $3.
median_ratio() {
	awk -v a="$1" -v b="$2" '{ printf "%.6f\n", $a / $b }' "$3" | median
}

# "p25-p75" of the per-line ratios column $1 / column $2 of file $3.
spread_ratio() {
	local lo hi
	lo=$(awk -v a="$1" -v b="$2" '{ printf "%.6f\n", $a / $b }' "$3" | quantile 0.25)
	hi=$(awk -v a="$1" -v b="$2" '{ printf "%.6f\n", $a / $b }' "$3" | quantile 0.75)
	printf '%.2f-%.2f' "$lo" "$hi"
}

# "ok" when overhead ratio $1 is within twice the floor ratio $2's overhead.
floor_check() {
	awk -v t="$1" -v f="$2" 'BEGIN { print (t - 1 <= 2 * (f - 1)) ? "ok" : "over" }'
}

# Is group $1 in CASES?
wanted() {
	case " $CASES " in *" $1 "*) return 0 ;; esac
	return 1
}

# Median of column $1 of file $2, in ms.
col_ms() {
	awk -v c="$1" '{ print $c / 1e6 }' "$2" | median | awk '{ printf "%.1fms", $1 }'
}

# Median of column $1 of file $2 divided by $3 operations, in units of $4 ns named $5.
col_per() {
	awk -v c="$1" '{ print $c }' "$2" | median |
		awk -v n="$3" -v d="$4" -v u="$5" '{ printf "%.2f%s", $1 / n / d, u }'
}

# A progress note on a terminal, overwritten by the next one.
progress() {
	if [ -t 2 ]; then
		printf '\r%-60s\r' "$*" >&2
	fi
}

row() {
	printf '%-18s %9s %9s %9s %11s %11s %9s %8s\n' "$@"
}

echo "ipctrace overhead: $ROUNDS round trips per run, $ROUNDS_N rounds, medians" \
	"(ms = whole exchange, us = per round trip)"
if [ -n "$base_bin" ]; then
	echo "vs REV lines: that revision's ipctrace, traced, in the same rounds;" \
		"xR = this tree's traced / REV's traced (p25-p75 below the median)"
fi
echo
if wanted pipe || wanted sock || wanted futex; then
	row "case" "untraced" "traced" "floor" "traced/untr" "floor/untr" "2x floor" "target"
fi

variants=(untraced traced floor)
if [ -n "$base_bin" ]; then
	variants+=(base)
fi
nvar=${#variants[@]}

# measure NAME TARGET ARGS...: the variants of one workload, one table row.
measure() {
	local name=$1 target=$2 results=$tmp/results r k v tr_ratio fl_ratio
	shift 2
	: >"$results"
	for ((r = 0; r < ROUNDS_N; r++)); do
		declare -A ns=()
		for ((k = 0; k < nvar; k++)); do
			v=${variants[(r + k) % nvar]}
			ns[$v]=$(run "$v" "$@")
		done
		echo "${ns[untraced]} ${ns[traced]} ${ns[floor]} ${ns[base]:-}" >>"$results"
		progress "  $name: round $((r + 1))/$ROUNDS_N"
		unset ns
	done
	progress ""
	tr_ratio=$(median_ratio 2 1 "$results")
	fl_ratio=$(median_ratio 3 1 "$results")
	row "$name" "$(col_ms 1 "$results")" "$(col_ms 2 "$results")" "$(col_ms 3 "$results")" \
		"$(printf '%.3f' "$tr_ratio")" "$(printf '%.3f' "$fl_ratio")" \
		"$(floor_check "$tr_ratio" "$fl_ratio")" "<=$target"
	row "" "$(col_per 1 "$results" "$ROUNDS" 1000 us)" \
		"$(col_per 2 "$results" "$ROUNDS" 1000 us)" \
		"$(col_per 3 "$results" "$ROUNDS" 1000 us)" \
		"$(spread_ratio 2 1 "$results")" "$(spread_ratio 3 1 "$results")" "" ""
	if [ -n "$base_bin" ]; then
		printf '%-18s %9s %9s %9s %11s %11s\n' "  vs $base_rev" "" "$(col_ms 4 "$results")" "" \
			"$(printf 'x%.3f' "$(median_ratio 2 4 "$results")")" \
			"$(spread_ratio 2 4 "$results")"
	fi
}

wanted pipe && for pin in unpinned pinned; do
	for size in 1 64; do
		args=(examples/bin/pingpong -n "$ROUNDS" -s "$size")
		target=1.06
		if [ "$pin" = pinned ]; then
			args+=(-C "$CPU")
			target=1.15
		fi
		measure "${size}B $pin" "$target" "${args[@]}"
	done
done

# The same exchange over a unix socketpair and a loopback TCP connection.
wanted sock && for pin in unpinned pinned; do
	for t in unix tcp; do
		args=(examples/bin/sock_pingpong -t "$t" -n "$ROUNDS" -s 1)
		target=1.06
		if [ "$pin" = pinned ]; then
			args+=(-C "$CPU")
			target=1.15
		fi
		measure "$t 1B $pin" "$target" "${args[@]}"
	done
done

# A turn handed back and forth on a shared futex word.
wanted futex && for pin in unpinned pinned; do
	args=(examples/bin/futex_raw -b -n "$ROUNDS")
	target=1.06
	if [ "$pin" = pinned ]; then
		args+=(-C "$CPU")
		target=1.15
	fi
	measure "futex $pin" "$target" "${args[@]}"
done

# The programs' own time, by the kernel's BPF statistics
# (kernel.bpf_stats_enabled: run_time_ns per program, read with bpftool at
# the end of each run, the programs still attached).  Wall-clock A/B rows
# above drift by 10-20% between runs on a shared machine; a program's run
# time over the rest of the same run's round trip (the workload's own
# elapsed time minus it) does not, and is what a change to bpf/ moves.
# "est. x" is (1 + this tree's BPF/rest) / (1 + REV's), per round: the
# traced round trip's change if the rest were equal.  bpf_stats adds its own
# clock reads to each program run (~20-60 ns): the same for both, but for a
# revision with more programs on a tracepoint.
bpf_run() {
	local bin=$1 before err progs ns
	shift
	err=$tmp/bpf.err
	progs=$tmp/bpf.progs
	before=$(bpftool prog show | awk -F: '/^[0-9]+:/ { print $1 }' | tr '\n' ' ')
	rm -f "$err" "$progs"
	BENCH_ERR=$err BENCH_PROGS=$progs "$bin" -f json -o /dev/null -- \
		sh -c '"$@" 2>"$BENCH_ERR"; bpftool prog show >"$BENCH_PROGS"' sh "$@" \
		>/dev/null 2>"$tmp/bpf.ierr" || {
		echo "bench/run.sh: the bpf_stats run of '$*' under $bin failed:" >&2
		cat "$tmp/bpf.ierr" "$err" >&2
		exit 1
	}
	ns=$(bench_ns "$err")
	if [ -z "$ns" ] || [ ! -s "$progs" ]; then
		echo "bench/run.sh: no bench line or program list from '$*' under $bin" >&2
		exit 1
	fi
	# programs loaded by this run: listed now, not before; "NAME ns" per line
	awk -v before=" $before " '
		/^[0-9]+:/ { id = $1; sub(":", "", id); keep = index(before, " " id " ") == 0
			     name = ""; for (i = 1; i < NF; i++) if ($i == "name") name = $(i + 1) }
		keep && /run_time_ns/ { for (i = 1; i < NF; i++) if ($i == "run_time_ns") print name, $(i + 1) }
	' "$progs" >"$tmp/bpf.names"
	# round trips, elapsed ns, BPF ns in all
	sed -n 's/^{"type":"bench","round_trips":\([0-9]*\).*/\1/p' "$err" | tail -n 1 | tr '\n' ' '
	echo "$ns $(awk '{ t += $2 } END { print t + 0 }' "$tmp/bpf.names")"
}

# measure_bpf NAME ARGS...: this tree (and REV) in alternation, ROUNDS_N rounds.
measure_bpf() {
	local name=$1 results=$tmp/bpfres r k v line
	shift
	: >"$results"
	: >"$tmp/bpf.top"
	local order=(traced)
	[ -n "$base_bin" ] && order+=(base)
	for ((r = 0; r < ROUNDS_N; r++)); do
		declare -A got=()
		for ((k = 0; k < ${#order[@]}; k++)); do
			v=${order[(r + k) % ${#order[@]}]}
			if [ "$v" = base ]; then
				got[$v]=$(bpf_run "$base_bin" "$@")
			else
				got[$v]=$(bpf_run ./ipctrace "$@")
				cat "$tmp/bpf.names" >>"$tmp/bpf.top"
			fi
		done
		# per round: this tree's BPF ns/rt, its BPF/rest, the same for REV
		echo "${got[traced]} ${got[base]:-1 2 0}" | awk '{
			b = $3 / $1; e = $2 / $1; bb = $6 / $4; eb = $5 / $4
			printf "%.1f %.6f %.1f %.6f %.6f\n", b, b / (e - b), bb, bb / (eb - bb),
				(1 + b / (e - b)) / (1 + bb / (eb - bb)) }' >>"$results"
		progress "  $name: round $((r + 1))/$ROUNDS_N"
		unset got
	done
	progress ""
	line=$(printf '%-18s %8.0fns %9.3f' "$name" "$(awk '{ print $1 }' "$results" | median)" \
		"$(awk '{ print $2 }' "$results" | median)")
	if [ -n "$base_bin" ]; then
		line+=$(printf ' %8.0fns %9.3f %8s %9s' "$(awk '{ print $3 }' "$results" | median)" \
			"$(awk '{ print $4 }' "$results" | median)" \
			"$(printf 'x%.3f' "$(awk '{ print $5 }' "$results" | median)")" \
			"$(awk '{ print $5 }' "$results" | quantile 0.25 | awk '{ printf "%.3f", $1 }')-$(awk '{ print $5 }' "$results" | quantile 0.75 | awk '{ printf "%.3f", $1 }')")
	fi
	echo "$line"
	# this tree's costliest programs, ns per round trip (sum over the rounds / rounds)
	awk -v n="$ROUNDS_N" -v rt="$ROUNDS" '{ t[$1] += $2 } END {
		for (p in t) printf "%.0f %s\n", t[p] / n / rt, p }' "$tmp/bpf.top" |
		sort -rn | head -5 | awk '{ s = s sprintf("%s %sns  ", $2, $1) } END { print "    " s }'
}

if wanted bpf; then
	if ! command -v bpftool >/dev/null; then
		echo "bench/run.sh: the bpf group needs bpftool (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
	echo
	echo "BPF time per round trip (kernel.bpf_stats_enabled), pinned to CPU $CPU, $ROUNDS round" \
		"trips per run; BPF/rest: over the rest of the same run's round trip"
	if [ -n "$base_bin" ]; then
		printf '%-18s %10s %9s %10s %9s %8s %9s\n' "case" "this tree" "BPF/rest" "$base_rev" \
			"BPF/rest" "est. x" "p25-p75"
	else
		printf '%-18s %10s %9s\n' "case" "this tree" "BPF/rest"
	fi
	bpf_stats_was=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	measure_bpf "pipe 1B pinned" examples/bin/pingpong -n "$ROUNDS" -s 1 -C "$CPU"
	measure_bpf "unix 1B pinned" examples/bin/sock_pingpong -t unix -n "$ROUNDS" -s 1 -C "$CPU"
	measure_bpf "tcp 1B pinned" examples/bin/sock_pingpong -t tcp -n "$ROUNDS" -s 1 -C "$CPU"
	sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_was"
	bpf_stats_was=
fi

# -m file on a file read/write loop: untraced, traced, traced with -m file.
measure_file() {
	local name=$1 results=$tmp/results r k v order=(untraced traced file)
	shift
	: >"$results"
	for ((r = 0; r < ROUNDS_N; r++)); do
		declare -A ns=()
		for ((k = 0; k < 3; k++)); do
			v=${order[(r + k) % 3]}
			ns[$v]=$(run "$v" "$@")
		done
		echo "${ns[untraced]} ${ns[traced]} ${ns[file]}" >>"$results"
		progress "  $name: round $((r + 1))/$ROUNDS_N"
		unset ns
	done
	progress ""
	printf '%-18s %9s %9s %9s %11s %11s %11s\n' "$name" "$(col_ms 1 "$results")" \
		"$(col_ms 2 "$results")" "$(col_ms 3 "$results")" \
		"$(printf '%.3f' "$(median_ratio 2 1 "$results")")" \
		"$(printf '%.3f' "$(median_ratio 3 1 "$results")")" \
		"$(printf '%.3f' "$(median_ratio 3 2 "$results")")"
	printf '%-18s %9s %9s %9s %11s %11s %11s\n' "" \
		"$(col_per 1 "$results" "$((2 * ROUNDS))" 1 ns)" \
		"$(col_per 2 "$results" "$((2 * ROUNDS))" 1 ns)" \
		"$(col_per 3 "$results" "$((2 * ROUNDS))" 1 ns)" \
		"$(spread_ratio 2 1 "$results")" "$(spread_ratio 3 1 "$results")" \
		"$(spread_ratio 3 2 "$results")"
}

if wanted file; then
	echo
	echo "-m file: $ROUNDS write+read pairs of 64 B on a regular file per run (ms, ns per call)"
	printf '%-18s %9s %9s %9s %11s %11s %11s\n' "case" "untraced" "traced" "-m file" \
		"traced/untr" "file/untr" "file/traced"
	measure_file "pwrite+pread" examples/bin/file_loop -c p -n "$ROUNDS"
	measure_file "write+read" examples/bin/file_loop -c rw -n "$ROUNDS"
fi

# --events on the pipe ping-pong: untraced, traced (aggregate), --events
# (JSON records written to /dev/null: every record is formatted), floor.
measure_events() {
	local name=$1 results=$tmp/results r k v ev_ratio ev_floor order=(untraced traced events floor)
	shift
	: >"$results"
	for ((r = 0; r < ROUNDS_N; r++)); do
		declare -A ns=()
		for ((k = 0; k < 4; k++)); do
			v=${order[(r + k) % 4]}
			ns[$v]=$(run "$v" "$@")
		done
		echo "${ns[untraced]} ${ns[traced]} ${ns[events]} ${ns[floor]}" >>"$results"
		progress "  $name: round $((r + 1))/$ROUNDS_N"
		unset ns
	done
	progress ""
	ev_ratio=$(median_ratio 3 1 "$results")
	ev_floor=$(median_ratio 3 4 "$results")
	printf '%-18s %9s %9s %9s %9s %11s %11s %11s %7s\n' "$name" "$(col_ms 1 "$results")" \
		"$(col_ms 2 "$results")" "$(col_ms 3 "$results")" "$(col_ms 4 "$results")" \
		"$(printf '%.3f' "$(median_ratio 2 1 "$results")")" \
		"$(printf '%.3f' "$ev_ratio")" "$(printf '%.3f' "$ev_floor")" \
		"$(awk -v e="$ev_ratio" -v f="$ev_floor" 'BEGIN { print (e <= 1.25 || f <= 1.25) ? "ok" : "over" }')"
	printf '%-18s %9s %9s %9s %9s %11s %11s %11s\n' "" \
		"$(col_per 1 "$results" "$ROUNDS" 1000 us)" "$(col_per 2 "$results" "$ROUNDS" 1000 us)" \
		"$(col_per 3 "$results" "$ROUNDS" 1000 us)" "$(col_per 4 "$results" "$ROUNDS" 1000 us)" \
		"$(spread_ratio 2 1 "$results")" "$(spread_ratio 3 1 "$results")" \
		"$(spread_ratio 3 4 "$results")"
}

if wanted events; then
	echo
	echo "--events: pipe ping-pong, $ROUNDS round trips of 1 B (4 records each), records as JSON" \
		"to /dev/null"
	printf '%-18s %9s %9s %9s %9s %11s %11s %11s %7s\n' "case" "untraced" "traced" "events" \
		"floor" "traced/untr" "events/untr" "events/flr" "target"
	measure_events "1B unpinned" examples/bin/pingpong -n "$ROUNDS" -s 1
	measure_events "1B pinned" examples/bin/pingpong -n "$ROUNDS" -s 1 -C "$CPU"
	echo "  target: events/untr <= 1.25, or events/floor <= 1.25 where the floor itself is above"
	# The rate at which the ring starts to drop: a pipe written at a fixed
	# rate for 2 s, one record per write and per read, JSON to a file.
	echo
	echo "--events drop rate: examples/bin/event_rate (1-byte writes at a fixed rate, one read" \
		"each), 2 s, default ring (8 MiB)"
	printf '%-18s %12s %12s %12s %9s\n' "writes/s" "records/s" "written" "lost" "lost %"
	for rate in ${EV_RATES:-25000 50000 100000 200000 400000}; do
		./ipctrace --events -f json -o "$tmp/ev.json" -- examples/bin/event_rate -r "$rate" -d 2 \
			>/dev/null 2>"$tmp/ev.err" || {
			echo "bench/run.sh: the --events run at $rate writes/s failed:" >&2
			cat "$tmp/ev.err" >&2
			exit 1
		}
		written=$(grep -c '"type":"event"' "$tmp/ev.json" || true)
		lost=$(grep '"final":true' "$tmp/ev.json" | grep '"type":"report"' |
			sed -n 's/.*"lost":{"events":\([0-9]*\).*/\1/p')
		ns=$(bench_ns "$tmp/ev.err")
		awk -v r="$rate" -v w="$written" -v l="${lost:-0}" -v ns="$ns" 'BEGIN {
			printf "%-18s %12.0f %12d %12d %8.2f%%\n", r, (w + l) / (ns / 1e9), w, l,
				(w + l) ? 100 * l / (w + l) : 0 }'
	done
fi

# Start-up and exit: `ipctrace -- true` wall time, as a user sees it (the
# detach in the background, the default) and with the detach waited for.
if wanted start; then
	echo
	echo "start-up and exit: 'ipctrace -f json -o /dev/null -- true', wall time, $ROUNDS_N runs"
	for mode in background wait; do
		: >"$tmp/start"
		for ((r = 0; r < ROUNDS_N; r++)); do
			t0=$(date +%s%N)
			if [ $mode = wait ]; then
				IPCTRACE_SYNC_DETACH=1 ./ipctrace -f json -o /dev/null -- true
			else
				IPCTRACE_SYNC_DETACH=0 ./ipctrace -f json -o /dev/null -- true
			fi
			echo $(($(date +%s%N) - t0)) >>"$tmp/start"
			# the next run must not wait on this one's detach (see
			# docs/performance.md: an attach waits for a detach in progress)
			for ((w = 0; w < 100; w++)); do
				pgrep -x ipctrace-detach >/dev/null || break
				sleep 0.1
			done
		done
		printf '  detach %-10s median %6.3f s  min %6.3f s  max %6.3f s\n' "$mode" \
			"$(sort -n "$tmp/start" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]/1e9}')" \
			"$(sort -n "$tmp/start" | head -1 | awk '{print $1/1e9}')" \
			"$(sort -n "$tmp/start" | tail -1 | awk '{print $1/1e9}')"
	done
	# most of start-up is the kernel verifying the programs: where it goes
	IPCTRACE_SYNC_DETACH=1 IPCTRACE_VERIFIER_STATS=1 ./ipctrace -f json -o /dev/null -- true \
		2>"$tmp/verifier"
	awk '/^verifier: / {n++; t += $3; i += $4} END {
		printf "  verification: %d programs, %.1f ms, %d instructions processed; costliest:\n",
			n, t / 1000, i }' "$tmp/verifier"
	sort -k3,3nr "$tmp/verifier" | head -5 |
		awk '{printf "    %-24s %6.1f ms %7d insns\n", $2, $3 / 1000, $4}'
fi

if ! wanted loop; then
	exit 0
fi

# An untraced process under a system-wide ipctrace, and under its floor.

# loop_under OPTS...: the getppid loop while a system-wide ipctrace OPTS runs.
loop_under() {
	local ns
	./ipctrace "$@" -f json -o /dev/null 2>"$tmp/bg.err" &
	bg_pid=$!
	sleep 1 # let it load and attach
	if ! kill -0 "$bg_pid" 2>/dev/null; then
		echo "bench/run.sh: the system-wide ipctrace exited early:" >&2
		cat "$tmp/bg.err" >&2
		bg_pid=
		exit 1
	fi
	ns=$(run untraced examples/bin/syscall_loop -n "$LOOP_N")
	kill -INT "$bg_pid"
	wait "$bg_pid" || true
	bg_pid=
	echo "$ns"
}

results=$tmp/loop
: >"$results"
for ((r = 0; r < ROUNDS_N; r++)); do
	declare -A ns=()
	for ((k = 0; k < 3; k++)); do
		case $(((r + k) % 3)) in
		0) ns[alone]=$(run untraced examples/bin/syscall_loop -n "$LOOP_N") ;;
		1) ns[traced]=$(loop_under) ;;
		2) ns[floor]=$(loop_under --bench-noop) ;;
		esac
	done
	echo "${ns[alone]} ${ns[traced]} ${ns[floor]}" >>"$results"
	unset ns
	progress "  getppid loop: round $((r + 1))/$ROUNDS_N"
done
progress ""
loop_ratio=$(median_ratio 2 1 "$results")
loop_floor=$(median_ratio 3 1 "$results")
echo
row "case" "alone" "ipctrace" "floor" "with/alone" "floor/alone" "2x floor" "target"
row "getppid loop" "$(col_ms 1 "$results")" "$(col_ms 2 "$results")" "$(col_ms 3 "$results")" \
	"$(printf '%.3f' "$loop_ratio")" "$(printf '%.3f' "$loop_floor")" \
	"$(floor_check "$loop_ratio" "$loop_floor")" "<=1.05"
row "" "$(col_per 1 "$results" "$LOOP_N" 1 ns)" "$(col_per 2 "$results" "$LOOP_N" 1 ns)" \
	"$(col_per 3 "$results" "$LOOP_N" 1 ns)" \
	"$(spread_ratio 2 1 "$results")" "$(spread_ratio 3 1 "$results")" "" ""
echo
echo "(untraced process: $LOOP_N getppid() calls alone, and while a system-wide" \
	"'ipctrace -f json -o /dev/null' or its floor, 'ipctrace --bench-noop ...', runs)"
