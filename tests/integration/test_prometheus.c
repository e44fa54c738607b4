// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --prometheus against a real Prometheus server (Debian's `prometheus`,
 * run here as a child of its own with a 1 s scrape interval, not the
 * system service): a system-wide exporter, an example workload under a
 * name of its own, and the example's truth read back through
 * Prometheus's query API.  Needs root and BPF, prometheus and curl
 * (scripts/install-deps.sh installs both).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PROMETHEUS_BIN "/usr/bin/prometheus"
#define CURL_BIN "/usr/bin/curl"

TestSuite(prometheus, .timeout = 90);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A port free right now on 127.0.0.1 (the kernel's pick). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* argv in a process group of its own, stdout and stderr to log. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Stop pid with sig; its wait status, or -1 if it had to be killed after 10 s. */
static int stop(pid_t pid, int sig)
{
	int status;
	double end = now_s() + 10;

	kill(pid, sig);
	while (now_s() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(50000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* What curl ARGS prints (malloc'd), run through popen; NULL if curl failed. */
static char *curl(const char *args)
{
	char cmd[1024], *buf = NULL;
	size_t len = 0;
	FILE *p, *m;
	int c;

	snprintf(cmd, sizeof(cmd), CURL_BIN " -s --max-time 5 %s", args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	m = open_memstream(&buf, &len);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	fclose(m);
	if (pclose(p) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Wait up to timeout_s until url answers 200; false if it never did. */
static bool wait_200(const char *url, double timeout_s)
{
	char args[256];
	double end = now_s() + timeout_s;

	snprintf(args, sizeof(args), "-o /dev/null -w '%%{http_code}' '%s'", url);
	while (now_s() < end) {
		char *code = curl(args);
		bool ok = code && !strcmp(code, "200");

		free(code);
		if (ok)
			return true;
		usleep(200000);
	}
	return false;
}

/* The value of PromQL query (one series) at Prometheus on port; -1 if none yet. */
static double query(int port, const char *promql, char **raw)
{
	char args[1024];
	struct json_object *root, *data, *result, *value;
	double v = -1;

	snprintf(args, sizeof(args), "-G --data-urlencode 'query=%s' "
		 "'http://127.0.0.1:%d/api/v1/query'", promql, port);
	free(*raw);
	*raw = curl(args);
	if (!*raw)
		return -1;
	root = json_tokener_parse(*raw);
	if (root && json_object_object_get_ex(root, "data", &data) &&
	    json_object_object_get_ex(data, "result", &result) &&
	    json_object_array_length(result) == 1 &&
	    json_object_object_get_ex(json_object_array_get_idx(result, 0), "value", &value))
		v = strtod(json_object_get_string(json_object_array_get_idx(value, 1)), NULL);
	json_object_put(root);
	return v;
}

/* From the example's truth line for its pipe: msgs and bytes. */
static void pipe_truth(const char *err, uint64_t *msgs, uint64_t *bytes)
{
	const char *t = strstr(err, "{\"type\":\"truth\",\"mech\":\"pipe\"");
	const char *m, *b;

	cr_assert_not_null(t, "no pipe truth line in:\n%s", err);
	m = strstr(t, "\"msgs\":");
	b = strstr(t, "\"bytes\":");
	cr_assert(m && b, "truth line: %s", t);
	*msgs = strtoull(m + 7, NULL, 10);
	*bytes = strtoull(b + 8, NULL, 10);
}

Test(prometheus, real_server_scrapes_exact_counts)
{
	char dir[] = "/tmp/ipctrace-prom.XXXXXX";
	char name[16], bin[128], yml[128], data[128], ilog[128], plog[128], elog[128];
	char addr[32], listen[64], cfgarg[160], dbarg[160], url[128], q[256], cmd[512];
	char *raw = NULL, *err, *il, *pl;
	int port = free_port(), pport = free_port(), status;
	uint64_t msgs, bytes;
	double v = -1, end;
	pid_t ipc, prom;
	struct run_result res;
	FILE *f;

	harness_require_bpf();
	harness_require_binaries("pipe");
	cr_assert(access(PROMETHEUS_BIN, X_OK) == 0 && access(CURL_BIN, X_OK) == 0,
		  "prometheus and curl are needed: run scripts/install-deps.sh");
	cr_assert(mkdtemp(dir));
	/* a name no other test's process has: the exporter sees the whole system */
	snprintf(name, sizeof(name), "ptprom%d", (int)(getpid() % 100000));
	snprintf(bin, sizeof(bin), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cp %s/pipe '%s'", EXAMPLES_DIR, bin);
	cr_assert_eq(system(cmd), 0);
	snprintf(yml, sizeof(yml), "%s/prom.yml", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(ilog, sizeof(ilog), "%s/ipctrace.log", dir);
	snprintf(plog, sizeof(plog), "%s/prometheus.log", dir);
	snprintf(elog, sizeof(elog), "%s/example.log", dir);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);

	harness_wait_detached();
	char *iargv[] = { IPCTRACE_BIN, "--prometheus", addr, "-d", "60", NULL };
	ipc = spawn(iargv, ilog);
	snprintf(url, sizeof(url), "http://%s/metrics", addr);
	if (!wait_200(url, 20)) {
		il = harness_slurp(ilog);
		stop(ipc, SIGKILL);
		cr_assert_fail("ipctrace never served %s; its output:\n%s", url, il);
	}

	f = fopen(yml, "w");
	cr_assert_not_null(f);
	fprintf(f, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
		"scrape_configs:\n  - job_name: ipctrace\n    static_configs:\n"
		"      - targets: ['%s']\n", addr);
	fclose(f);
	snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", yml);
	snprintf(dbarg, sizeof(dbarg), "--storage.tsdb.path=%s", data);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", pport);
	char *pargv[] = { PROMETHEUS_BIN, cfgarg, dbarg, listen, NULL };
	prom = spawn(pargv, plog);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/-/ready", pport);
	if (!wait_200(url, 20)) {
		pl = harness_slurp(plog);
		stop(prom, SIGKILL);
		stop(ipc, SIGINT);
		cr_assert_fail("prometheus never became ready; its log:\n%s", pl);
	}

	char *eargv[] = { bin, "-n", "1000", "-s", "64", NULL };
	cr_assert_eq(harness_run(eargv, elog, elog, 20, &res), 0);
	err = harness_slurp(elog);
	cr_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0, "example: %s", err);
	pipe_truth(err, &msgs, &bytes);
	cr_assert_eq(bytes, 64000);

	/* ipctrace rebuilds its text every second, Prometheus scrapes every second */
	snprintf(q, sizeof(q), "ipctrace_ipc_bytes_total{mech=\"pipe\",src=\"%s\",dst=\"%s\"}",
		 name, name);
	end = now_s() + 15;
	while (now_s() < end && (v = query(pport, q, &raw)) != (double)bytes)
		sleep(1);
	/* three more scrapes: the value must stay, not grow */
	sleep(3);
	v = query(pport, q, &raw);
	cr_expect_eq(v, (double)bytes, "%s = %g, the example sent %" PRIu64 " bytes; answer: %s",
		     q, v, bytes, raw ? raw : "(curl failed)");
	snprintf(q, sizeof(q), "ipctrace_ipc_messages_total{mech=\"pipe\",src=\"%s\",dst=\"%s\"}",
		 name, name);
	v = query(pport, q, &raw);
	cr_expect_eq(v, (double)msgs, "%s = %g, the example sent %" PRIu64 " messages; answer: %s",
		     q, v, msgs, raw ? raw : "(curl failed)");
	v = query(pport, "up{job=\"ipctrace\"}", &raw);
	cr_expect_eq(v, 1, "the scrape target is up: %s", raw ? raw : "(curl failed)");

	stop(prom, SIGTERM);
	status = stop(ipc, SIGINT);
	il = harness_slurp(ilog);
	cr_expect(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGINT,
		  "ipctrace stops on SIGINT with 130 (status %d); its output:\n%s", status, il);
	cr_expect_str_eq(il, "", "an exporter prints no report without -f or -o");
	free(il);
	free(err);
	free(raw);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

Test(prometheus, busy_port_is_one_line_and_exit_2)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char dir[] = "/tmp/ipctrace-prom.XXXXXX", log[128], addr[32], *out, cmd[160];
	struct run_result res;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	double t0;

	harness_require_bpf();
	harness_require_binaries(NULL);
	cr_assert(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/out", dir);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(a.sin_port));

	char *argv[] = { IPCTRACE_BIN, "--prometheus", addr, "-d", "5", NULL };
	t0 = now_s();
	cr_assert_eq(harness_run(argv, log, log, 20, &res), 0);
	out = harness_slurp(log);
	cr_expect(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 2, "exit 2: %s", out);
	cr_expect_lt(now_s() - t0, 2.0, "refused before loading BPF");
	cr_expect(strstr(out, "Address already in use") && strchr(out, '\n') &&
		  !strchr(out, '\n')[1], "one line: %s", out);
	cr_expect_eq(strncmp(out, "ipctrace: ", 10), 0, "%s", out);
	close(fd);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}
