// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --prometheus: the exposition text (output/render_prom.c), checked by a
 * strict parser of the text format 0.0.4 written here, and the address
 * syntax (core/promsrv.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "core/opts.h"
#include "core/promsrv.h"
#include "output/jsonesc.h"
#include "output/render.h"
#include "unit/testutil.h"

#define SEC 1000000000ull
#define HOSTILE_COMM "q\"b\\\n\x1b[m\xff"

/* ---- a strict parser ---- */

struct sample {
	char *name;
	char *labels;        /* the {...} text as written, "" if none */
	char *lv[8][2];      /* label names and unescaped values */
	int n_lv;
	double value;
};

struct parsed {
	struct sample s[256];
	int n;
};

static bool name_char(char c, bool first)
{
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

/* Valid UTF-8 (no overlongs, surrogates, or beyond U+10FFFF)? */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
			   c >= 0xf0 && c <= 0xf4 ? 4 : 0;

		if (!l || i + l > n)
			return false;
		for (size_t k = 1; k < l; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return false;
		i += l;
	}
	return true;
}

static void parse_prom(const char *text, struct parsed *out)
{
	char typed[64][128];
	int n_typed = 0;
	const char *line = text;

	memset(out, 0, sizeof(*out));
	cr_assert(utf8_ok((const unsigned char *)text, strlen(text)), "not UTF-8");
	cr_assert(*text && text[strlen(text) - 1] == '\n', "text must end with a newline");
	while (*line) {
		const char *nl = strchr(line, '\n'), *p;
		char buf[1024];

		cr_assert_not_null(nl);
		cr_assert_lt(nl - line, (long)sizeof(buf));
		memcpy(buf, line, nl - line);
		buf[nl - line] = '\0';
		line = nl + 1;
		if (buf[0] == '#') {
			char kw[8], name[128], rest[512];

			cr_assert_eq(sscanf(buf, "# %7s %127s %511[^\n]", kw, name, rest), 3,
				     "bad comment line: %s", buf);
			if (!strcmp(kw, "TYPE")) {
				cr_assert(!strcmp(rest, "counter") || !strcmp(rest, "gauge"),
					  "type %s", rest);
				for (int i = 0; i < n_typed; i++)
					cr_assert_str_neq(typed[i], name, "TYPE twice: %s", name);
				cr_assert_lt(n_typed, 64);
				strcpy(typed[n_typed++], name);
			} else {
				cr_assert_str_eq(kw, "HELP");
			}
			continue;
		}
		p = buf;
		cr_assert_lt(out->n, 256);
		struct sample *s = &out->s[out->n++];
		const char *start = p;

		cr_assert(name_char(*p, true), "bad line: %s", buf);
		while (name_char(*p, false))
			p++;
		s->name = strndup(start, p - start);
		/* # TYPE before its samples */
		bool found = false;
		for (int i = 0; i < n_typed; i++)
			found |= !strcmp(typed[i], s->name);
		cr_assert(found, "sample of %s before its # TYPE", s->name);
		start = p;
		if (*p == '{') {
			p++;
			while (*p != '}') {
				const char *ln = p;
				char val[256];
				size_t vl = 0;

				cr_assert(name_char(*p, true) && *p != ':', "label name: %s", buf);
				while (name_char(*p, false) && *p != ':')
					p++;
				cr_assert_lt(s->n_lv, 8);
				s->lv[s->n_lv][0] = strndup(ln, p - ln);
				for (int i = 0; i < s->n_lv; i++)
					cr_assert_str_neq(s->lv[i][0], s->lv[s->n_lv][0],
							  "label twice: %s", buf);
				cr_assert_eq(*p, '=', "label '=': %s", buf);
				p++;
				cr_assert_eq(*p, '"', "label quote: %s", buf);
				p++;
				while (*p != '"') {
					cr_assert(*p, "unterminated value: %s", buf);
					cr_assert_lt(vl, sizeof(val) - 1);
					if (*p == '\\') {
						p++;
						cr_assert(*p == '\\' || *p == '"' || *p == 'n',
							  "bad escape \\%c: %s", *p, buf);
						val[vl++] = *p == 'n' ? '\n' : *p;
						p++;
					} else {
						val[vl++] = *p++;
					}
				}
				p++;
				s->lv[s->n_lv][1] = strndup(val, vl);
				s->n_lv++;
				if (*p == ',')
					p++;
				else
					cr_assert_eq(*p, '}', "after a label: %s", buf);
			}
			p++;
		}
		s->labels = strndup(start, p - start);
		cr_assert_eq(*p, ' ', "one space before the value: %s", buf);
		p++;
		char *end;
		s->value = strtod(p, &end);
		cr_assert(end != p && !*end, "value (and no timestamp): %s", buf);
		cr_assert(isfinite(s->value) && s->value >= 0);
		for (int i = 0; i < out->n - 1; i++)
			cr_assert(strcmp(out->s[i].name, s->name) ||
				  strcmp(out->s[i].labels, s->labels), "duplicate series: %s", buf);
	}
}

static void parsed_free(struct parsed *ps)
{
	for (int i = 0; i < ps->n; i++) {
		free(ps->s[i].name);
		free(ps->s[i].labels);
		for (int j = 0; j < ps->s[i].n_lv; j++) {
			free(ps->s[i].lv[j][0]);
			free(ps->s[i].lv[j][1]);
		}
	}
}

static const char *label(const struct sample *s, const char *name)
{
	for (int i = 0; i < s->n_lv; i++)
		if (!strcmp(s->lv[i][0], name))
			return s->lv[i][1];
	return NULL;
}

/* The value of name{...} whose labels (name, value pairs, NULL-ended) all match; -1 if none. */
static double value_of(const struct parsed *ps, const char *name, ...)
{
	for (int i = 0; i < ps->n; i++) {
		const struct sample *s = &ps->s[i];
		bool ok = !strcmp(s->name, name);
		va_list ap;
		const char *k;

		va_start(ap, name);
		while (ok && (k = va_arg(ap, const char *))) {
			const char *v = va_arg(ap, const char *), *have = label(s, k);

			ok = have && !strcmp(have, v);
		}
		va_end(ap);
		if (ok)
			return s->value;
	}
	return -1;
}

/* Sum of every sample of name. */
static double sum_of(const struct parsed *ps, const char *name)
{
	double t = 0;

	for (int i = 0; i < ps->n; i++)
		if (!strcmp(ps->s[i].name, name))
			t += ps->s[i].value;
	return t;
}

static char *render(const struct snapshot *s, struct prom_state *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(render_prom(s, f, st, "1.2.3-test"), 0);
	cr_assert_eq(fclose(f), 0);
	return text;
}

static char *render_model(struct model *m, uint32_t max_series)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);
	struct prom_state *st = prom_state_new(max_series);
	char *text;

	cr_assert_not_null(s);
	cr_assert_not_null(st);
	text = render(s, st);
	prom_state_free(st);
	snapshot_free(s);
	return text;
}

TestSuite(prom);

Test(prom, snapshot_renders_strictly_valid_text)
{
	struct model *m = model_new();
	struct model_lost lost = { .events = 2, .map_full = 1 };
	struct parsed ps;
	char *text;

	model_proc_fork(m, P(101), 100, "producer");
	model_proc_fork(m, P(102), 100, "consumer");
	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 1000, 64000, 0);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 1000, 64000, 1500000000);
	/* a second pipe between the same names: summed into the same series */
	model_proc_fork(m, P(103), 100, "producer");
	model_proc_fork(m, P(104), 100, "consumer");
	feed_ep(m, P(103), "producer", MECH_PIPE, 0, 8426, 10, 100, 7);
	feed_ep(m, P(104), "consumer", MECH_PIPE, 1, 8426, 10, 100, 0);
	feed_sig(m, P(101), "producer", P(102), SIGUSR1, 0, 5);
	feed_sig(m, P(103), "producer", P(104), SIGUSR1, 0, 2);
	feed_sig(m, P(103), "producer", P(104), SIGTERM, 0, 1);
	model_set_lost(m, &lost);

	text = render_model(m, 10000);
	parse_prom(text, &ps);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_messages_total", "mech", "pipe", "src", "producer",
			      "dst", "consumer", NULL), 1010);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "mech", "pipe", "src", "producer",
			      "dst", "consumer", NULL), 64100);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_blocked_seconds_total", "mech", "pipe", "src",
			      "producer", "dst", "consumer", "side", "dst", NULL), 1.5);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_blocked_seconds_total", "mech", "pipe", "src",
			      "producer", "dst", "consumer", "side", "src", NULL), 7e-9);
	cr_expect_eq(value_of(&ps, "ipctrace_signals_total", "signal", "SIGUSR1", "src", "producer",
			      "dst", "consumer", NULL), 7);
	cr_expect_eq(value_of(&ps, "ipctrace_signals_total", "signal", "SIGTERM", "src", "producer",
			      "dst", "consumer", NULL), 1);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "mech", "signal", NULL), -1,
		     "signals move no bytes");
	cr_expect_eq(value_of(&ps, "ipctrace_lost_events_total", NULL), 2);
	cr_expect_eq(value_of(&ps, "ipctrace_map_full_total", NULL), 1);
	cr_expect_eq(value_of(&ps, "ipctrace_series_dropped_total", NULL), 0);
	cr_expect_eq(value_of(&ps, "ipctrace_build_info", "version", "1.2.3-test", NULL), 1);
	cr_expect_null(strstr(text, "pid"), "no pid in the text:\n%s", text);
	cr_expect_null(strstr(text, "8425"), "no inode in the text:\n%s", text);
	parsed_free(&ps);
	free(text);
	model_free(m);
}

Test(prom, hostile_comm_round_trips)
{
	struct model *m = model_new();
	struct parsed ps;
	char *text;
	const char *want = "q\"b\\\n\xef\xbf\xbd[m\xef\xbf\xbd";

	model_proc_fork(m, P(1), 100, HOSTILE_COMM);
	model_proc_fork(m, P(2), 100, "a\xc0\xaf\xed\xa0\x80z"); /* overlong, surrogate */
	feed_ep(m, P(1), HOSTILE_COMM, MECH_PIPE, 0, 7, 3, 30, 0);
	feed_ep(m, P(2), "x", MECH_PIPE, 1, 7, 3, 30, 0);
	text = render_model(m, 10000);
	parse_prom(text, &ps);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "src", want, "dst",
			      "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz", NULL),
		     30, "%s", text);
	parsed_free(&ps);
	free(text);
	model_free(m);
}

Test(prom, label_escape)
{
	char *e = prom_label_escape("a\\b\"c\nd\te\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x82");

	cr_assert_str_eq(e, "a\\\\b\\\"c\\nd\xef\xbf\xbd" "e\xe2\x82\xac\xf0\x9f\x98\x80"
			 "\xef\xbf\xbd\xef\xbf\xbd");
	free(e);
}

Test(prom, series_cap_sums_the_rest_into_other)
{
	struct model *m = model_new();
	struct snapshot *s;
	struct prom_state *st = prom_state_new(2);
	struct parsed ps;
	char *text;
	const char *names[] = { "a", "b", "c", "d" };

	for (uint32_t i = 0; i < 4; i++) {
		char w[8], r[8];

		snprintf(w, sizeof(w), "w%s", names[i]);
		snprintf(r, sizeof(r), "r%s", names[i]);
		model_proc_fork(m, P(10 + 2 * i), 1, w);
		model_proc_fork(m, P(11 + 2 * i), 1, r);
		feed_ep(m, P(10 + 2 * i), w, MECH_PIPE, 0, 100 + i, 1 + i, 100 * (i + 1), 0);
		feed_ep(m, P(11 + 2 * i), r, MECH_PIPE, 1, 100 + i, 1 + i, 100 * (i + 1), 0);
	}
	s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);
	text = render(s, st);
	snapshot_free(s);
	parse_prom(text, &ps);
	cr_expect_eq(value_of(&ps, "ipctrace_series_dropped_total", NULL), 2, "%s", text);
	cr_expect_eq(sum_of(&ps, "ipctrace_ipc_bytes_total"), 1000, "nothing lost: %s", text);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "mech", "pipe", "src", "other",
			      "dst", "other", NULL), 300 + 400, "%s", text);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "src", "wa", NULL), 100);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "src", "wb", NULL), 200);
	parsed_free(&ps);
	free(text);

	/* admission is sticky: a new, bigger edge does not push an admitted one out */
	model_proc_fork(m, P(40), 1, "big");
	model_proc_fork(m, P(41), 1, "bigr");
	feed_ep(m, P(40), "big", MECH_PIPE, 0, 200, 1, 99999, 0);
	feed_ep(m, P(41), "bigr", MECH_PIPE, 1, 200, 1, 99999, 0);
	s = model_snapshot(m, false, true, 2.0, 1700000001, NULL);
	text = render(s, st);
	snapshot_free(s);
	parse_prom(text, &ps);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "src", "wa", NULL), 100);
	cr_expect_eq(value_of(&ps, "ipctrace_ipc_bytes_total", "src", "other", NULL), 700 + 99999);
	cr_expect_eq(value_of(&ps, "ipctrace_series_dropped_total", NULL), 3);
	parsed_free(&ps);
	free(text);
	prom_state_free(st);
	model_free(m);
}

/* Processes exit and their edges fold by name: the sums by name stay what they were. */
Test(prom, sums_stay_equal_across_a_fold)
{
	struct model *m = model_new();
	struct snapshot *s;
	struct prom_state *st = prom_state_new(10000);
	struct parsed before, after;
	char *t1, *t2;

	model_set_retention(m, 10 * SEC);
	model_set_clock(m, 1 * SEC);
	model_proc_fork(m, P(1), 100, "producer");
	model_proc_fork(m, P(2), 100, "consumer");
	model_proc_fork(m, P(3), 100, "producer");
	model_proc_fork(m, P(4), 100, "consumer");
	model_proc_fork(m, P(5), 100, "server");
	feed_ep(m, P(1), "producer", MECH_PIPE, 0, 7, 10, 640, 30);
	feed_ep(m, P(2), "consumer", MECH_PIPE, 1, 7, 12, 640, 70);
	feed_ep(m, P(3), "producer", MECH_PIPE, 0, 8, 5, 50, 0);
	feed_ep(m, P(4), "consumer", MECH_PIPE, 1, 8, 5, 50, 0);
	feed_ep(m, P(1), "producer", MECH_FIFO, 0, 9, 4, 100, 0);
	feed_ep(m, P(5), "server", MECH_FIFO, 1, 9, 4, 100, 0);
	feed_sig(m, P(1), "producer", P(2), SIGUSR1, 0, 3);
	s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);
	t1 = render(s, st);
	snapshot_free(s);

	model_proc_exit(m, P(1), 0);
	model_mark_reaped(m, P(1));
	model_proc_exit(m, P(2), 0);
	model_mark_reaped(m, P(2));
	model_set_clock(m, 1 * SEC + 10 * SEC);
	cr_assert_eq(model_fold(m), 0);
	s = model_snapshot(m, false, true, 11.0, 1700000010, NULL);
	bool folded = false;
	for (size_t i = 0; i < s->n_edges; i++)
		folded |= s->edges[i].folded != 0;
	cr_assert(folded, "the scenario must fold something");
	t2 = render(s, st);
	snapshot_free(s);

	parse_prom(t1, &before);
	parse_prom(t2, &after);
	cr_expect_eq(before.n, after.n, "same series:\n%s\n---\n%s", t1, t2);
	for (int i = 0; i < before.n; i++) {
		const struct sample *b = &before.s[i];
		bool found = false;

		for (int j = 0; j < after.n; j++) {
			const struct sample *a = &after.s[j];

			if (strcmp(a->name, b->name) || strcmp(a->labels, b->labels))
				continue;
			found = true;
			cr_expect_eq(a->value, b->value, "%s%s: %g before the fold, %g after",
				     b->name, b->labels, b->value, a->value);
		}
		cr_expect(found, "%s%s is gone after the fold", b->name, b->labels);
	}
	parsed_free(&before);
	parsed_free(&after);
	free(t1);
	free(t2);
	prom_state_free(st);
	model_free(m);
}

Test(prom, listen_addresses)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char msg[256];

	cr_expect_eq(promsrv_parse_addr("9464", &ss, &len, msg, sizeof(msg)), 0);
	cr_expect_eq(ss.ss_family, AF_INET);
	cr_expect_eq(promsrv_parse_addr("0.0.0.0:9464", &ss, &len, msg, sizeof(msg)), 0);
	cr_expect_eq(promsrv_parse_addr("[::1]:9464", &ss, &len, msg, sizeof(msg)), 0);
	cr_expect_eq(ss.ss_family, AF_INET6);
	cr_expect_eq(promsrv_parse_addr("0", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("65536", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("localhost:9464", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("::1:9464", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("[::1]9464", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr(":9464", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("1.2.3.4:", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_eq(promsrv_parse_addr("1.2.3.4:+80", &ss, &len, msg, sizeof(msg)), -1);
	cr_expect_neq(strstr(msg, "port"), NULL, "%s", msg);
}

Test(prom, options)
{
	struct opts o;
	FILE *null = fopen("/dev/null", "w");
	char *a1[] = { "ipctrace", "--prometheus", "9464", NULL };
	char *a2[] = { "ipctrace", "--prometheus", "9464", "-f", "json", "--max-series", "5", NULL };
	char *a3[] = { "ipctrace", "--prometheus", "9464", "-i", "1", NULL };
	char *a4[] = { "ipctrace", "--max-series", "0", NULL };

	cr_assert_eq(opts_parse(&o, 3, a1, true, null, null), 0);
	cr_expect(o.quiet, "an exporter is quiet");
	cr_expect_eq(o.interval_s, 0, "no live table");
	cr_expect_eq(o.max_series, 10000);
	opts_free(&o);
	cr_assert_eq(opts_parse(&o, 7, a2, true, null, null), 0);
	cr_expect_not(o.quiet, "-f asks for a report");
	cr_expect_eq(o.max_series, 5);
	opts_free(&o);
	cr_expect_eq(opts_parse(&o, 5, a3, true, null, null), -1, "no -i");
	cr_expect_eq(opts_parse(&o, 3, a4, true, null, null), -1);
	fclose(null);
}
