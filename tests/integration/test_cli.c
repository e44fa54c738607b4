// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipctrace's command line: bad options fail with one line, a command that
 * cannot run fails cleanly, and `-- COMMAND` exits with COMMAND's status.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Run ./ipctrace ARGS...; stdout, stderr and the OUT_FILE live in a temp dir. */
static void cli_run(struct cli_run *r, char *const args[])
{
	cli_run_for(r, args, 30);
}

static const char *describe(const struct cli_run *r)
{
	static char buf[4096];
	char how[160];

	snprintf(buf, sizeof(buf), "ipctrace %s\n--- stdout:\n%s--- stderr:\n%s",
		 harness_describe(&r->res, how, sizeof(how)), r->out, r->err);
	return buf;
}

/* Non-empty lines of stderr, not counting argp's "Try `ipctrace --help'" hint. */
static int error_lines(const char *text)
{
	int n = 0;

	while (*text) {
		const char *nl = strchrnul(text, '\n');

		if (nl > text && strncmp(text, "Try ", 4))
			n++;
		text = *nl ? nl + 1 : nl;
	}
	return n;
}

static void expect_usage_error(char *const argv[], const char *mention)
{
	struct cli_run r;

	cli_run(&r, argv);
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) != 0,
		  "expected a non-zero exit:\n%s", describe(&r));
	cr_assert(error_lines(r.err) == 1, "expected a one-line error on stderr:\n%s",
		  describe(&r));
	cr_assert(strstr(r.err, mention), "the error should name '%s':\n%s", mention,
		  describe(&r));
	cr_assert(!*r.out, "nothing should go to stdout:\n%s", describe(&r));
	cli_free(&r);
}

Test(cli, unknown_option)
{
	expect_usage_error((char *[]){ IPCTRACE_BIN, "--bogus", NULL }, "bogus");
}

Test(cli, unknown_format)
{
	expect_usage_error((char *[]){ IPCTRACE_BIN, "-f", "nope", NULL }, "nope");
}

/*
 * A command that cannot be executed: a message and a non-zero exit, not a
 * crash or a hang.  Without BPF the message may be about that instead.
 */
Test(cli, nonexistent_command, .timeout = 60)
{
	const char *cmd = "/nonexistent/cmd";
	struct cli_run r;
	bool bpf = geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	cli_run(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-o", "/dev/null", "--", (char *)cmd,
				NULL });
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) != 0,
		  "expected a non-zero exit:\n%s", describe(&r));
	cr_assert(error_lines(r.err) >= 1, "expected an error message:\n%s", describe(&r));
	if (bpf)
		cr_assert(strstr(r.err, cmd), "the error should name %s:\n%s", cmd, describe(&r));
	cli_free(&r);
}

/* `-- COMMAND`: ipctrace exits with COMMAND's status, after a final report. */
Test(cli, exit_status_propagates, .timeout = 120)
{
	struct cli_run r;

	harness_require_bpf();
	cli_run(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-o", OUT_FILE, "--", "/bin/sh", "-c",
				"exit 3", NULL });
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 3,
		  "expected exit status 3 (the command's):\n%s", describe(&r));
	cr_assert(strstr(r.json, "\"final\":true"), "no final report in the output:\n%s\n%s",
		  describe(&r), r.json);
	cli_free(&r);
}

/*
 * Without privileges: one line that says to use sudo, exit 1.  The binary
 * is copied where an unprivileged user can reach it, whatever the
 * permissions of the checkout.
 */
Test(cli, not_root, .timeout = 60)
{
	char dir[] = "/tmp/ipctrace-nr.XXXXXX", bin[128], cmd[512];
	struct cli_run r;

	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK))
		cr_skip_test("needs root and setpriv(1) to drop privileges");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(bin, sizeof(bin), "%s/ipctrace", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", IPCTRACE_BIN, bin, bin);
	cr_assert_eq(system(cmd), 0);
	cli_run(&r, (char *[]){ "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
				"--clear-groups", "--", bin, "-f", "json", NULL });
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 1,
		  "expected exit status 1:\n%s", describe(&r));
	cr_assert(error_lines(r.err) == 1 && strstr(r.err, "root") && strstr(r.err, "sudo"),
		  "expected one line asking for root/sudo:\n%s", describe(&r));
	cli_free(&r);
	unlink(bin);
	rmdir(dir);
}

/* -p with a pid no process has: one line naming it, exit 2, before any BPF. */
Test(cli, unknown_pid)
{
	char pid[16];
	int p = 4194000;

	while (p > 1000 && (kill(p, 0) == 0 || errno != ESRCH))
		p--;
	snprintf(pid, sizeof(pid), "%d", p);
	expect_usage_error((char *[]){ IPCTRACE_BIN, "-p", pid, NULL }, pid);
}

/*
 * Start ipctrace with argv (stderr to err, in a process group of its own,
 * SIGINT ignored at start when ignore_int), send it SIGINT after delay_us,
 * and check it exits 128+SIGINT with a final report in out.  Returns the
 * report so the caller can check more.
 */
static char *sigint_run(char *const argv[], const char *out, const char *err, bool ignore_int,
			useconds_t delay_us)
{
	struct run_result res;
	char *json, *diag;
	pid_t pid;

	/* harness_run() waits for its child: start this one by hand to signal it */
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		setpgid(0, 0);
		if (ignore_int)
			signal(SIGINT, SIG_IGN);
		execv(argv[0], argv);
		_exit(127);
	}
	usleep(delay_us);
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &res.status, 0), pid);
	json = harness_slurp(out);
	diag = harness_slurp(err);
	cr_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 128 + SIGINT,
		  "expected exit %d, status 0x%x; stderr:\n%s", 128 + SIGINT, res.status, diag);
	cr_assert(strstr(json, "\"type\":\"report\"") && strstr(json, "\"final\":true"),
		  "no final report after SIGINT:\n%s\nstderr:\n%s", json, diag);
	free(diag);
	return json;
}

/*
 * Ctrl-C in `-- COMMAND` mode: the signal is passed on, ipctrace detaches,
 * prints the final report and exits 128+SIGINT (the command's death).
 */
Test(cli, sigint_detaches_with_final_report, .timeout = 60)
{
	char dir[] = "/tmp/ipctrace-int.XXXXXX", out[128], err[128];
	char *argv[] = { IPCTRACE_BIN, "-f", "json", "-o", out, "--", "/bin/sleep", "30", NULL };

	harness_require_bpf();
	harness_require_binaries(NULL);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	free(sigint_run(argv, out, err, false, 3 * 1000 * 1000));
	unlink(out);
	unlink(err);
	rmdir(dir);
}

/*
 * SIGINT while the programs are still loading (a second or more), sent to
 * an ipctrace that started with SIGINT ignored, as a shell script's
 * `ipctrace &` does: it must still stop, detach and print its final report,
 * without ever starting the command.
 */
Test(cli, sigint_during_load_still_stops, .timeout = 60)
{
	char dir[] = "/tmp/ipctrace-int.XXXXXX", out[128], err[128], mark[160];
	char *argv[] = { IPCTRACE_BIN, "-f", "json", "-o", out, "--", "/bin/touch", mark, NULL };

	harness_require_bpf();
	harness_require_binaries(NULL);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(mark, sizeof(mark), "%s/ran", dir);
	/* loading all programs takes far longer than 200 ms */
	free(sigint_run(argv, out, err, true, 200 * 1000));
	cr_expect_neq(access(mark, F_OK), 0, "the command ran although ipctrace was stopped");
	unlink(mark);
	unlink(out);
	unlink(err);
	rmdir(dir);
}
