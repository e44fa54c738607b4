// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Option parsing: what runs, and the one-line errors for what does not. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "core/mech.h"
#include "core/model.h"
#include "core/opts.h"
#include "kernel/abi.h"

struct parsed {
	struct opts o;
	int ret;
	char *out, *err;
};

/* Parse a NULL-terminated argument list; stdout/stderr captured. */
static struct parsed parse(bool tty, const char *first, ...)
{
	static char *argv[32];
	struct parsed p = {};
	size_t outlen, errlen;
	FILE *out, *err;
	va_list ap;
	int argc = 0;

	argv[argc++] = "ipctrace";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	out = open_memstream(&p.out, &outlen);
	err = open_memstream(&p.err, &errlen);
	p.ret = opts_parse(&p.o, argc, argv, tty, out, err);
	fclose(out);
	fclose(err);
	return p;
}

static void done(struct parsed *p)
{
	if (p->ret == 0)
		opts_free(&p->o);
	free(p->out);
	free(p->err);
}

/* An error is exactly one line naming ipctrace. */
static void expect_one_line_error(struct parsed *p, const char *needle)
{
	cr_expect_eq(p->ret, -1);
	cr_expect(strncmp(p->err, "ipctrace: ", 10) == 0, "error: %s", p->err);
	cr_expect(strchr(p->err, '\n') == p->err + strlen(p->err) - 1, "not one line: %s", p->err);
	cr_expect(strstr(p->err, needle) != NULL, "'%s' not in: %s", needle, p->err);
}

Test(opts, defaults_on_a_terminal)
{
	struct parsed p = parse(true, NULL);

	cr_assert_eq(p.ret, 0);
	cr_expect_eq(p.o.format, FMT_TABLE);
	cr_expect_float_eq(p.o.interval_s, 1.0, 1e-9);
	cr_expect_eq(p.o.duration_s, 0);
	/* every mechanism this build traces, and nothing else */
	cr_expect_eq(p.o.mech_mask & ((1u << MECH_PIPE) | (1u << MECH_FIFO) | (1u << MECH_SIGNAL)),
		     (1u << MECH_PIPE) | (1u << MECH_FIFO) | (1u << MECH_SIGNAL));
	cr_expect_eq(p.o.mech_mask & ~(((1u << MECH_MAX) - 1) & ~1u), 0);
	cr_expect_null(p.o.cmd);
	cr_expect_null(p.o.output);
	done(&p);
}

Test(opts, no_live_interval_off_a_terminal)
{
	struct parsed p = parse(false, NULL);

	cr_assert_eq(p.ret, 0);
	cr_expect_eq(p.o.interval_s, 0);
	done(&p);
}

Test(opts, json_has_no_default_interval)
{
	struct parsed p = parse(true, "-f", "json", NULL);

	cr_assert_eq(p.ret, 0);
	cr_expect_eq(p.o.format, FMT_JSON);
	cr_expect_eq(p.o.interval_s, 0);
	done(&p);
}

/* -f svg: one picture of the final report, written to a file or a pipe. */
Test(opts, svg_to_a_file_or_a_pipe)
{
	struct parsed p = parse(true, "-f", "svg", "-o", "x.svg", NULL), q = parse(false, "-f", "svg",
										      NULL);

	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_expect_eq(p.o.format, FMT_SVG);
	cr_expect_eq(p.o.interval_s, 0);
	cr_assert_eq(q.ret, 0, "%s", q.err);
	cr_expect_eq(q.o.format, FMT_SVG);
	done(&p);
	done(&q);
}

Test(opts, svg_refuses_a_terminal_and_intervals)
{
	struct parsed p = parse(true, "-f", "svg", NULL);

	expect_one_line_error(&p, "-f svg writes a file: use -o FILE or redirect");
	done(&p);
	p = parse(false, "-i", "2", "-f", "svg", "-o", "x.svg", NULL);
	expect_one_line_error(&p, "it takes no -i");
	done(&p);
	/* --check ignores the format */
	p = parse(true, "-f", "svg", "--check", NULL);
	cr_expect_eq(p.ret, 0, "%s", p.err);
	done(&p);
}

Test(opts, all_options)
{
	struct parsed p = parse(false, "--format=dot", "-i", "0.5", "-d", "3", "-p", "12,34", "-p",
				"56", "-c", "nginx", "--comm", "we\"ird", "-m", "fifo,signal", "-o",
				"/tmp/x", NULL);

	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_expect_eq(p.o.format, FMT_DOT);
	cr_expect_float_eq(p.o.interval_s, 0.5, 1e-9);
	cr_expect_float_eq(p.o.duration_s, 3.0, 1e-9);
	cr_assert_eq(p.o.n_pids, 3);
	cr_expect_eq(p.o.pids[0], 12);
	cr_expect_eq(p.o.pids[1], 34);
	cr_expect_eq(p.o.pids[2], 56);
	cr_assert_eq(p.o.n_comms, 2);
	cr_expect_str_eq(p.o.comms[0], "nginx");
	cr_expect_str_eq(p.o.comms[1], "we\"ird");
	cr_expect_eq(p.o.mech_mask, (1u << MECH_FIFO) | (1u << MECH_SIGNAL));
	cr_expect_str_eq(p.o.output, "/tmp/x");
	done(&p);
}

Test(opts, command_after_double_dash_keeps_its_flags)
{
	struct parsed p = parse(false, "-f", "json", "--", "ls", "-l", "--color", NULL);

	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_assert_not_null(p.o.cmd);
	cr_expect_str_eq(p.o.cmd[0], "ls");
	cr_expect_str_eq(p.o.cmd[1], "-l");
	cr_expect_str_eq(p.o.cmd[2], "--color");
	cr_expect_null(p.o.cmd[3]);
	done(&p);
}

Test(opts, help_exits_zero_with_usage)
{
	struct parsed p = parse(true, "--help", NULL);

	cr_expect_eq(p.ret, 1);
	cr_expect(strstr(p.out, "Usage: ipctrace") != NULL);
	cr_expect_str_empty(p.err);
	done(&p);
}

Test(opts, check_flag)
{
	struct parsed p = parse(true, "--check", NULL);

	cr_assert_eq(p.ret, 0);
	cr_expect(p.o.check);
	done(&p);
}

Test(opts, errors_are_one_line)
{
	struct {
		const char *a, *b, *needle;
	} cases[] = {
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "-x", NULL, "unknown option '-x'" },
		{ "-f", "yaml", "unknown format 'yaml'" },
		{ "-f", "events", "use --events" },
		{ "--ring-mb", "3", "invalid --ring-mb '3'" },
		{ "--ring-mb", "0", "invalid --ring-mb" },
		{ "--ring-mb", "2048", "invalid --ring-mb" },
		{ "--ring-mb", "8", "add --events" },
		{ "-i", "0", "invalid interval" },
		{ "-i", "abc", "invalid interval" },
		{ "-i", "nan", "invalid interval" },
		{ "-d", "-1", "invalid duration" },
		{ "-p", "0", "invalid pid '0'" },
		{ "-p", "12x", "invalid pid '12x'" },
		{ "-p", "-5", "invalid pid" },
		{ "-p", "99999999999", "invalid pid" },
		{ "-p", ",", "needs at least one pid" },
		{ "-c", "", "needs a process name" },
		{ "-m", "bogus", "unknown mechanism 'bogus'" },
		{ "-m", "", "needs at least one mechanism" },
		{ "-o", "", "needs a file name" },
		{ "-o", "--", "needs a file name" },
		{ "-f", NULL, "needs an argument" },
		{ "stray", NULL, "put COMMAND after --" },
		{ "--", NULL, "must be followed by a command" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct parsed p = parse(false, cases[i].a, cases[i].b, NULL);

		expect_one_line_error(&p, cases[i].needle);
		done(&p);
	}
}

Test(opts, planned_mechanism_is_refused_by_name)
{
	struct parsed p = parse(false, "-m", "pipe,carrier", NULL);

	expect_one_line_error(&p, "unknown mechanism 'carrier'");
	done(&p);
}

Test(opts, parses_twice_in_one_process)
{
	struct parsed a = parse(false, "-d", "2", NULL), b = parse(false, "-d", "5", NULL);

	cr_assert_eq(a.ret, 0);
	cr_assert_eq(b.ret, 0);
	cr_expect_float_eq(b.o.duration_s, 5.0, 1e-9);
	done(&a);
	done(&b);
}

/* `-o -- CMD` forgot the file name: not a report written to a file named "--". */
Test(opts, output_then_double_dash_is_an_error)
{
	struct parsed p = parse(false, "-f", "json", "-o", "--", "ls", "-l", NULL);

	expect_one_line_error(&p, "-o needs a file name");
	done(&p);

	/* a file that merely starts with dashes is a name like any other */
	p = parse(false, "-o", "--x", "--", "ls", NULL);
	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_expect_str_eq(p.o.output, "--x");
	done(&p);
}

struct sudo_ids {
	int ret;
	uint32_t uid, gid;
	char *err;
};

static struct sudo_ids sudo_ids(const char *uid_s, const char *gid_s)
{
	struct sudo_ids r = { .uid = 4242, .gid = 4242 };
	size_t len;
	FILE *err = open_memstream(&r.err, &len);

	r.ret = opts_sudo_ids(uid_s, gid_s, "make", &r.uid, &r.gid, err);
	fclose(err);
	return r;
}

Test(opts, sudo_ids_well_formed)
{
	struct sudo_ids r = sudo_ids("1000", "100");

	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.uid, 1000);
	cr_expect_eq(r.gid, 100);
	cr_expect_str_empty(r.err);
	free(r.err);

	r = sudo_ids("0", "0");
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.uid, 0);
	free(r.err);

	r = sudo_ids("4294967294", "4294967294");
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.uid, 4294967294u);
	free(r.err);
}

Test(opts, sudo_ids_unset_runs_as_is)
{
	struct sudo_ids r = sudo_ids(NULL, NULL);

	cr_expect_eq(r.ret, 0);
	cr_expect_str_empty(r.err);
	free(r.err);
	/* SUDO_GID alone does not make a sudo user */
	r = sudo_ids(NULL, "100");
	cr_expect_eq(r.ret, 0);
	free(r.err);
}

/* Anything strtoul() would half-read refuses to run COMMAND, in one line. */
Test(opts, sudo_ids_malformed_refuse)
{
	const char *bad[] = { "", "x", " 1000", "1000 ", "+1000", "-1", "10x", "0x10", "1e3",
			      "4294967295", "4294967296", "99999999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct sudo_ids r = sudo_ids(bad[i], "100");

		cr_expect_eq(r.ret, -1, "SUDO_UID='%s' accepted", bad[i]);
		cr_expect(strncmp(r.err, "ipctrace: SUDO_UID='", 20) == 0, "%s", r.err);
		cr_expect(strstr(r.err, "is not a user id; refusing to run 'make' as root\n"),
			  "%s", r.err);
		cr_expect(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s",
			  r.err);
		free(r.err);

		r = sudo_ids("1000", bad[i]);
		cr_expect_eq(r.ret, -1, "SUDO_GID='%s' accepted", bad[i]);
		cr_expect(strstr(r.err, "is not a group id; refusing to run 'make' as root"), "%s",
			  r.err);
		free(r.err);
	}
}

Test(opts, sudo_uid_without_gid_refuses)
{
	struct sudo_ids r = sudo_ids("1000", NULL);

	cr_expect_eq(r.ret, -1);
	cr_expect(strstr(r.err, "SUDO_GID is not; refusing to run 'make' as root"), "%s", r.err);
	free(r.err);
}

Test(opts, aggregate_keys)
{
	struct parsed p = parse(false, NULL);

	cr_expect_eq(p.ret, 0);
	cr_expect_eq(p.o.aggregate, AGG_PID, "pid by default");
	done(&p);
	p = parse(false, "-a", "comm", NULL);
	cr_expect_eq(p.ret, 0);
	cr_expect_eq(p.o.aggregate, AGG_COMM);
	done(&p);
	p = parse(false, "--aggregate", "exe", NULL);
	cr_expect_eq(p.o.aggregate, AGG_EXE);
	done(&p);
	p = parse(false, "--aggregate=cgroup", NULL);
	cr_expect_eq(p.o.aggregate, AGG_CGROUP);
	done(&p);
	p = parse(false, "-a", "name", NULL);
	expect_one_line_error(&p, "invalid aggregate key 'name'");
	done(&p);
	p = parse(false, "-a", NULL);
	cr_expect_eq(p.ret, -1);
	done(&p);
}

Test(opts, events)
{
	struct parsed p = parse(false, "--events", "--ring-mb", "64", "--", "true", NULL);

	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_expect(p.o.events);
	cr_expect_eq(p.o.ring_mb, 64);
	cr_expect_eq(p.o.interval_s, 0, "an event stream has no interval reports unless -i");
	done(&p);
	p = parse(true, "--events", NULL);
	cr_assert_eq(p.ret, 0, "%s", p.err);
	cr_expect_eq(p.o.ring_mb, OPTS_RING_MB_DEFAULT);
	cr_expect_eq(p.o.interval_s, 0, "not even on a terminal");
	done(&p);
	p = parse(false, "--events", "-f", "dot", NULL);
	expect_one_line_error(&p, "-f table or -f json");
	done(&p);
}
