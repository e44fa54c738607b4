// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Escaping of hostile strings, and signal names. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "output/jsonesc.h"
#include "output/signames.h"
#include "unit/testutil.h"

/* Every byte a comm can hold that needs care, in one name. */
static const char hostile[] = "a\"b\\c\nd\x1b[31me\xff" "f\t\x7f";

static void expect_json(const char *in, const char *want)
{
	char *got = capture(json_put_string, in);

	cr_expect_str_eq(got, want, "json_put_string(%s)", in);
	cr_expect(json_valid(got, strlen(got)), "not valid JSON: %s", got);
	free(got);
}

Test(json_escape, plain_and_specials)
{
	expect_json("producer", "\"producer\"");
	expect_json("", "\"\"");
	expect_json(NULL, "\"\"");
	expect_json("q\"b\\s/", "\"q\\\"b\\\\s/\"");
	expect_json("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	expect_json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
}

Test(json_escape, hostile_comm)
{
	expect_json(hostile, "\"a\\\"b\\\\c\\nd\\u001b[31me\\u00fff\\t\\u007f\"");
}

Test(json_escape, utf8_kept_invalid_escaped)
{
	/* é, €, U+1F600 pass through as they are. */
	expect_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Lone continuation, truncated sequence, overlong '/', surrogate, > U+10FFFF. */
	expect_json("\x80", "\"\\u0080\"");
	expect_json("\xe2\x82", "\"\\u00e2\\u0082\"");
	expect_json("\xc0\xaf", "\"\\u00c0\\u00af\"");
	expect_json("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	expect_json("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"");
	/* A UTF-8 encoded C1 control (CSI) is escaped, not passed to a terminal. */
	expect_json("\xc2\x9b", "\"\\u009b\"");
}

Test(json_escape, every_byte_stays_valid)
{
	char s[3] = { 0 };
	int a, b;

	for (a = 1; a < 256; a++) {
		for (b = 1; b < 256; b += 7) {
			char *got;

			s[0] = (char)a;
			s[1] = (char)b;
			got = capture(json_put_string, s);
			cr_assert(json_valid(got, strlen(got)), "bytes %02x %02x gave %s", a, b, got);
			free(got);
		}
	}
}

static bool valid(const char *s)
{
	return json_valid(s, strlen(s));
}

Test(json_checker, rejects_invalid)
{
	/* The checker used by the render tests must be able to say no. */
	cr_expect(!valid("\"a\nb\""));
	cr_expect(!valid("\"\xff\""));
	cr_expect(!valid("\"a\"b\""));
	cr_expect(!valid("{\"a\":1,}"));
	cr_expect(!valid("{\"a\":01}"));
	cr_expect(!valid("\"\\x41\""));
	cr_expect(!valid("{\"a\":1}{"));
	cr_expect(valid("{\"a\":[1,-2.5e3,true,null,\"\\u00ff\"]}"));
	cr_expect(valid(" [] "));
}

Test(dot_escape, hostile)
{
	char *got = capture(dot_put_string, hostile);

	cr_expect_str_eq(got, "\"a\\\"b\\\\c?d?[31me?f??\"");
	free(got);
	got = capture(dot_put_escaped, "x\\ny");
	/* The input's "\n" must not become a Graphviz line break. */
	cr_expect_str_eq(got, "x\\\\ny");
	free(got);
	got = capture(dot_put_escaped, "\xc3\xa9\xe2\x80\xae");
	cr_expect_str_eq(got, "\xc3\xa9?", "bidi override must be replaced");
	free(got);
	/* Graphviz decodes entities in labels: "&lt;" in a name must stay four characters. */
	got = capture(dot_put_escaped, "a&lt;b & c");
	cr_expect_str_eq(got, "a&amp;lt;b &amp; c");
	free(got);
}

static void expect_text(const char *in, int width, const char *want)
{
	char *got = capture_w(text_put_clean, in, width);

	cr_expect_str_eq(got, want, "text_put_clean(\"%s\", %d)", in, width);
	free(got);
}

Test(text_clean, pad_truncate_replace)
{
	expect_text("abc", 0, "abc");
	expect_text("abc", 5, "  abc");
	expect_text("abc", -5, "abc  ");
	expect_text("abcdef", 4, "abcd");
	expect_text("abcdef", -4, "abcd");
	expect_text(hostile, 0, "a\"b\\c?d?[31me?f??");
	/* Width counts characters, not bytes. */
	expect_text("\xc3\xa9t\xc3\xa9", -5, "\xc3\xa9t\xc3\xa9  ");
	expect_text("\xc3\xa9t\xc3\xa9", 2, "\xc3\xa9t");
	expect_text(NULL, -2, "  ");
}

Test(text_clean, keep_tail)
{
	char *got = capture_w(text_put_clean_tail, "/tmp/some/long/dir/fifo", -12);

	cr_expect_str_eq(got, "..g/dir/fifo");
	free(got);
	got = capture_w(text_put_clean_tail, "short", -8);
	cr_expect_str_eq(got, "short   ");
	free(got);
	got = capture_w(text_put_clean_tail, "abcdef", 2);
	cr_expect_str_eq(got, "ef");
	free(got);
}

Test(signames, names)
{
	char buf[32];

	cr_expect_str_eq(sig_name(SIGUSR1, buf, sizeof(buf)), "SIGUSR1");
	cr_expect_str_eq(sig_name(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	cr_expect_str_eq(sig_name(SIGCHLD, buf, sizeof(buf)), "SIGCHLD");
	cr_expect_str_eq(sig_name(SIGSYS, buf, sizeof(buf)), "SIGSYS");
	/* glibc's SIGRTMIN is the kernel's 34. */
	cr_expect_str_eq(sig_name(34, buf, sizeof(buf)), "SIGRTMIN");
	cr_expect_str_eq(sig_name(37, buf, sizeof(buf)), "SIGRTMIN+3");
	cr_expect_str_eq(sig_name(64, buf, sizeof(buf)), "SIGRTMAX");
	cr_expect_str_eq(sig_name(32, buf, sizeof(buf)), "SIG32");
	cr_expect_str_eq(sig_name(0, buf, sizeof(buf)), "SIG0");
	cr_expect_str_eq(sig_name(77, buf, sizeof(buf)), "SIG77");
	cr_expect_str_eq(sig_name(-3, buf, sizeof(buf)), "SIG-3");
}

Test(signames, parse)
{
	cr_expect_eq(sig_parse("SIGUSR1"), SIGUSR1);
	cr_expect_eq(sig_parse("usr2"), SIGUSR2);
	cr_expect_eq(sig_parse("sigterm"), SIGTERM);
	cr_expect_eq(sig_parse("9"), 9);
	cr_expect_eq(sig_parse("SIGRTMIN"), 34);
	cr_expect_eq(sig_parse("SIGRTMIN+3"), 37);
	cr_expect_eq(sig_parse("RTMAX-1"), 63);
	cr_expect_eq(sig_parse("RTMIN+31"), -1);
	cr_expect_eq(sig_parse("SIGFOO"), -1);
	cr_expect_eq(sig_parse("0"), -1);
	cr_expect_eq(sig_parse("65"), -1);
	cr_expect_eq(sig_parse("9x"), -1);
	cr_expect_eq(sig_parse(""), -1);
}

Test(signames, codes)
{
	char buf[32];

	cr_expect_str_eq(si_code_name(SIGUSR1, 0, buf, sizeof(buf)), "SI_USER");
	cr_expect_str_eq(si_code_name(SIGSEGV, 0x80, buf, sizeof(buf)), "SI_KERNEL");
	cr_expect_str_eq(si_code_name(SIGUSR1, -1, buf, sizeof(buf)), "SI_QUEUE");
	cr_expect_str_eq(si_code_name(SIGALRM, -2, buf, sizeof(buf)), "SI_TIMER");
	cr_expect_str_eq(si_code_name(SIGIO, -3, buf, sizeof(buf)), "SI_MESGQ");
	cr_expect_str_eq(si_code_name(SIGIO, -4, buf, sizeof(buf)), "SI_ASYNCIO");
	cr_expect_str_eq(si_code_name(SIGIO, -5, buf, sizeof(buf)), "SI_SIGIO");
	cr_expect_str_eq(si_code_name(SIGTERM, -6, buf, sizeof(buf)), "SI_TKILL");
	cr_expect_str_eq(si_code_name(SIGCHLD, 1, buf, sizeof(buf)), "CLD_EXITED");
	cr_expect_str_eq(si_code_name(SIGCHLD, 6, buf, sizeof(buf)), "CLD_CONTINUED");
	cr_expect_str_eq(si_code_name(SIGSEGV, 1, buf, sizeof(buf)), "SEGV_MAPERR");
	cr_expect_str_eq(si_code_name(SIGBUS, 2, buf, sizeof(buf)), "BUS_ADRERR");
	cr_expect_str_eq(si_code_name(SIGILL, 1, buf, sizeof(buf)), "ILL_ILLOPC");
	cr_expect_str_eq(si_code_name(SIGFPE, 1, buf, sizeof(buf)), "FPE_INTDIV");
	cr_expect_str_eq(si_code_name(SIGTRAP, 1, buf, sizeof(buf)), "TRAP_BRKPT");
	cr_expect_str_eq(si_code_name(SIGPOLL, 1, buf, sizeof(buf)), "POLL_IN");
	/* Positive codes mean nothing for a signal without its own codes. */
	cr_expect_str_eq(si_code_name(SIGUSR1, 1, buf, sizeof(buf)), "CODE1");
	cr_expect_str_eq(si_code_name(SIGCHLD, 7, buf, sizeof(buf)), "CODE7");
	cr_expect_str_eq(si_code_name(SIGUSR1, -42, buf, sizeof(buf)), "CODE-42");
}
