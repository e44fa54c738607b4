#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A tour of ipctrace on the bundled examples (`sudo make demo`): each run
# traces one workload and prints ipctrace's final table, followed by the
# ground truth the workload counted itself, so the two can be compared.
# Exits non-zero if any run fails.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: ipctrace needs root to load its BPF programs: run 'sudo make demo'" >&2
	exit 1
fi
for f in ./ipctrace examples/bin/pipeline examples/bin/signals examples/bin/fifo \
	examples/bin/slow_consumer examples/bin/posix_mq examples/bin/sysv_msg \
	examples/bin/unix_stream examples/bin/socketpair examples/bin/tcp_loopback; do
	if [ ! -x "$f" ]; then
		echo "demo.sh: $f is not built: run 'make all' first" >&2
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/ipctrace-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

# demo TITLE IPCTRACE-ARGS...: show the command, run it, show its output
# and the workload's own ground truth (its stderr, shared with ipctrace's).
demo() {
	local title=$1 rc
	shift
	printf '\n=== %s\n$ %s\n\n' "$title" "$*"
	"$@" 2>"$tmp/stderr"
	rc=$?
	if grep -q '"type":"truth"' "$tmp/stderr"; then
		echo
		echo "ground truth counted by the workload itself:"
		grep '"type":"truth"' "$tmp/stderr" | sed 's/^/  /'
	fi
	# The rest of stderr: ipctrace's warnings and errors, a workload's notes.
	grep -v '"type":"truth"' "$tmp/stderr" || true
	if [ "$rc" -ne 0 ]; then
		echo "demo.sh: '$*' failed with status $rc" >&2
		failed=1
	fi
}

demo "A pipeline: producer | filter | consumer, two pipes, and each stage's SIGCHLD" \
	./ipctrace -f table -- examples/bin/pipeline -n 2000 -s 100

demo "Per operation (--events): what the kernel did at each call -- the pipe's buffers, who slept, whom a write woke" \
	./ipctrace --events -- examples/bin/pipeline -n 6 -s 100

demo "--events on backpressure: writes that found the pipe full, and how long they slept" \
	./ipctrace --events -m pipe -- examples/bin/slow_consumer -n 24 -d 20

demo "Signals: kill, sigqueue, tgkill and pidfd_send_signal one way, acks the other" \
	./ipctrace -f table -- examples/bin/signals -n 50

demo "A FIFO between two processes in different sessions: the edge is named by its path" \
	./ipctrace -f table -- examples/bin/fifo -n 500 -s 256

demo "Backpressure: a slow consumer; the producer's time blocked in write() is the NOTE" \
	./ipctrace -f table -- examples/bin/slow_consumer -d 1000

demo "POSIX message queues: priorities, a full queue (q8/8), an mq_notify signal, a reply" \
	./ipctrace -f table -- examples/bin/posix_mq -n 1000 -q 8

demo "SysV message queues: mtypes, shown by msqid and key; priorities and sizes in JSON" \
	./ipctrace -f json -- examples/bin/sysv_msg -n 500 -t 3

demo "A unix socket server and 3 clients by path: one edge per direction and connection" \
	./ipctrace -f table -- examples/bin/unix_stream -n 200 -c 3

demo "A socketpair passing file descriptors (SCM_RIGHTS): see fds_passed and creds" \
	./ipctrace -f json -- examples/bin/socketpair -n 100 -f 2 -e 10

demo "Loopback TCP: a server and 2 clients, each connection by its 4-tuple" \
	./ipctrace -f table -- examples/bin/tcp_loopback -n 200 -c 2

demo "The same pipeline as a Graphviz graph" \
	./ipctrace -f dot -- examples/bin/pipeline -n 2000 -s 100

# The picture is left behind (`make demo` puts it in its build directory),
# owned by whoever ran sudo, so a browser can open it.
svg=${IPCTRACE_DEMO_SVG:-.output/pipeline.svg}
mkdir -p "$(dirname "$svg")"
demo "And drawn as SVG by Graphviz's library (no 'dot' program needed)" \
	./ipctrace -f svg -o "$svg" -- examples/bin/pipeline -n 2000 -s 100
if [ -s "$svg" ]; then
	[ -n "${SUDO_UID:-}" ] && chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$svg"
	echo "the picture: $(realpath "$svg") (open it in a browser)"
fi

cat <<'EOF'

To draw it:   sudo ./ipctrace -f svg -o pipeline.svg -- examples/bin/pipeline
Everything:   sudo ./ipctrace            (system-wide, live table; Ctrl-C for the final report)
As JSON:      sudo ./ipctrace -f json -o trace.json -- YOUR COMMAND
Every call:   sudo ./ipctrace --events -- YOUR COMMAND   (docs/tour.md walks through the examples)
EOF

if [ "$failed" -ne 0 ]; then
	echo "demo.sh: some runs failed (see above)" >&2
fi
exit "$failed"
