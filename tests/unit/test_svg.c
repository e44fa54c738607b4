// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -f svg: the DOT graph laid out and drawn by Graphviz's libraries.  The
 * layout's coordinates are Graphviz's business; checked here are that the
 * result is well-formed XML with one <svg> root, that every process and
 * edge is drawn with the DOT renderer's styling, and that hostile names
 * come out exactly as they are, whatever '<', '&' or quotes they hold.
 * Needs Graphviz's plugins configured, as `make deps` leaves them.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "output/render.h"
#include "unit/testutil.h"

/* Names made to break markup: tags, an entity, both quotes, a lone '&'. */
#define MARKUP_COMM "<a&b>\"c'&lt;"
#define ENTITY_COMM "x&amp;y&#60;"
#define MARKUP_PATH "/tmp/<p>&q\"r'.fifo"

static char *render_svg_str(const struct snapshot *s)
{
	char *buf = NULL, msg[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	cr_assert_not_null(f);
	ret = render_svg(s, f, msg, sizeof(msg));
	fclose(f);
	cr_assert_eq(ret, 0, "render_svg failed: %s", msg);
	cr_assert_eq(strlen(buf), len, "a NUL byte inside the SVG");
	return buf;
}

/* ---- a small XML well-formedness check: enough for what Graphviz writes ---- */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == ':' || c == '.';
}

/* Length of the entity reference at p ("&amp;", "&#60;", "&#x3c;"), 0 if it is not one. */
static size_t entity_len(const char *p)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const char *q;

	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (!strncmp(p, named[i], strlen(named[i])))
			return strlen(named[i]);
	if (strncmp(p, "&#", 2))
		return 0;
	q = p + 2;
	if (*q == 'x') {
		for (q++; (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
			  (*q >= 'A' && *q <= 'F'); q++)
			;
	} else {
		for (; *q >= '0' && *q <= '9'; q++)
			;
	}
	return *q == ';' && q - p > 3 - (p[2] != 'x') ? (size_t)(q - p + 1) : 0;
}

/* Character data up to the next '<' (or the end): no raw '&' but entities. */
static const char *skip_text(const char *p, char stop, const char **why)
{
	while (*p && *p != '<' && *p != stop) {
		if (*p == '&') {
			size_t n = entity_len(p);

			if (!n) {
				*why = "a raw '&'";
				return NULL;
			}
			p += n;
		} else {
			p++;
		}
	}
	return p;
}

/* NULL if svg is well-formed XML whose root is <svg>, else what is wrong. */
static const char *xml_problem(const char *svg)
{
	const char *stack[64], *p = svg, *why = NULL;
	size_t stack_len[64];
	int depth = 0, roots = 0;

	for (const unsigned char *b = (const unsigned char *)svg; *b; b++)
		if (*b < 0x20 && *b != '\n' && *b != '\t' && *b != '\r')
			return "a control byte";
	while (*p) {
		if (*p != '<') {
			if (depth == 0) {
				if (strchr(" \t\r\n", *p)) {
					p++;
					continue;
				}
				return "text outside the root element";
			}
			p = skip_text(p, '<', &why);
			if (!p)
				return why;
			continue;
		}
		if (!strncmp(p, "<!--", 4)) {
			const char *end = strstr(p + 4, "-->");

			if (!end)
				return "an unterminated comment";
			/* "--" may not occur inside a comment */
			for (const char *c = p + 4; c < end; c++)
				if (c[0] == '-' && c[1] == '-')
					return "'--' inside a comment";
			p = end + 3;
		} else if (!strncmp(p, "<?", 2)) {
			p = strstr(p, "?>");
			if (!p || depth)
				return "a bad processing instruction";
			p += 2;
		} else if (!strncmp(p, "<!DOCTYPE", 9)) {
			p = strchr(p, '>');
			if (!p || depth || roots)
				return "a bad DOCTYPE";
			p++;
		} else if (p[1] == '/') {
			const char *name = p + 2, *e = name;

			while (is_name_char(*e))
				e++;
			if (!depth || stack_len[depth - 1] != (size_t)(e - name) ||
			    strncmp(stack[depth - 1], name, e - name))
				return "a closing tag that does not match";
			depth--;
			while (*e == ' ' || *e == '\n')
				e++;
			if (*e != '>')
				return "a bad closing tag";
			p = e + 1;
		} else {
			const char *name = p + 1, *e = name;

			while (is_name_char(*e))
				e++;
			if (e == name)
				return "a '<' that starts no tag";
			if (!depth && roots++)
				return "more than one root element";
			if (!depth && strncmp(name, "svg", 3))
				return "a root element that is not <svg>";
			/* attributes: name="value" with entities only */
			for (;;) {
				while (*e == ' ' || *e == '\n' || *e == '\t')
					e++;
				if (*e == '>' || !strncmp(e, "/>", 2))
					break;
				if (!is_name_char(*e))
					return "a bad attribute name";
				while (is_name_char(*e))
					e++;
				if (e[0] != '=' || (e[1] != '"' && e[1] != '\''))
					return "an attribute without a quoted value";
				{
					char q = e[1];

					e = skip_text(e + 2, q, &why);
					if (!e)
						return why;
					if (*e != q)
						return "a '<' in an attribute value";
					e++;
				}
			}
			if (*e == '>') {
				if (depth == 64)
					return "nested too deep";
				stack[depth] = name;
				stack_len[depth++] = strspn(name, "abcdefghijklmnopqrstuvwxyz"
							    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:.");
				p = e + 1;
			} else {
				p = e + 2;
			}
		}
	}
	if (depth)
		return "an element left open";
	return roots == 1 ? NULL : "no root element";
}

/* ---- what the picture says: the text of its <text> elements, decoded ---- */

static void decode_into(FILE *f, const char *p, const char *end)
{
	while (p < end) {
		if (*p != '&') {
			fputc(*p++, f);
			continue;
		}
		if (!strncmp(p, "&amp;", 5))
			fputc('&', f);
		else if (!strncmp(p, "&lt;", 4))
			fputc('<', f);
		else if (!strncmp(p, "&gt;", 4))
			fputc('>', f);
		else if (!strncmp(p, "&quot;", 6))
			fputc('"', f);
		else if (!strncmp(p, "&apos;", 6))
			fputc('\'', f);
		else if (!strncmp(p, "&#", 2))
			fputc((int)(p[2] == 'x' ? strtol(p + 3, NULL, 16) : strtol(p + 2, NULL, 10)), f);
		else
			cr_assert_fail("unknown entity at %.10s", p);
		p = strchr(p, ';') + 1;
	}
}

/* Every <text>'s content, decoded, one per line. */
static char *svg_texts(const char *svg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *p = svg;

	while ((p = strstr(p, "<text"))) {
		const char *start = strchr(p, '>') + 1, *end = strstr(start, "</text>");

		cr_assert_not_null(end);
		decode_into(f, start, end);
		fputc('\n', f);
		p = end;
	}
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static bool has_line(const char *texts, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = texts; (p = strstr(p, line)); p++)
		if ((p == texts || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

/*
 * A 1:1 pipe, an N:M pipe (inferred, dashed), a FIFO with a hostile path
 * between hostile names, a signal (red) and one from the kernel.
 */
static struct snapshot *scenario(struct model **mp)
{
	struct model *m = model_new();
	struct snapshot *s;

	cr_assert_not_null(m);
	model_proc_fork(m, P(101), 100, "producer");
	model_proc_fork(m, P(102), 100, "consumer");
	model_proc_fork(m, P(103), 100, MARKUP_COMM);
	model_proc_fork(m, P(104), 100, ENTITY_COMM);
	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 1000, 64000, 0);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 1000, 64000, 0);
	model_set_object_name(m, MECH_FIFO, 0xc, 77, MARKUP_PATH);
	feed_ep(m, P(103), MARKUP_COMM, MECH_FIFO, 0, 77, 3, 3000, 0);
	feed_ep(m, P(104), ENTITY_COMM, MECH_FIFO, 1, 77, 3, 3000, 0);
	feed_ep(m, P(105), "w1", MECH_PIPE, 0, 9000, 10, 1000, 0);
	feed_ep(m, P(106), "w2", MECH_PIPE, 0, 9000, 30, 3000, 0);
	feed_ep(m, P(107), "r1", MECH_PIPE, 1, 9000, 9, 1000, 0);
	feed_ep(m, P(108), "r2", MECH_PIPE, 1, 9000, 9, 3000, 0);
	feed_sig(m, P(101), "producer", P(102), SIGUSR1, 0, 5);
	feed_sigdel(m, P(102), "consumer", SIGUSR1, 5, 5, 1234, 400);
	feed_sig(m, P2(0, 0), "", P(102), SIGSEGV, 0x80, 1);
	feed_sigdel(m, P(102), "consumer", SIGSEGV, 1, 1, 10, 10);
	s = model_snapshot(m, true, true, 2.0, 1700000000, NULL);
	cr_assert_not_null(s);
	*mp = m;
	return s;
}

Test(svg, well_formed_with_every_node_and_edge)
{
	struct model *m;
	struct snapshot *s = scenario(&m);
	char *svg = render_svg_str(s), *texts;
	const char *problem = xml_problem(svg);
	size_t len = strlen(svg);

	cr_expect(!strncmp(svg, "<?xml", 5), "does not start with <?xml:\n%.200s", svg);
	cr_expect(len > 7 && !strcmp(svg + len - 7, "</svg>\n"), "does not end with </svg>");
	cr_expect_null(problem, "not well-formed XML: %s\n%s", problem, svg);
	/* every process, the kernel, and every edge of the snapshot */
	cr_expect_eq(count(svg, "class=\"node\""), s->n_procs + 1, "%s", svg);
	cr_expect_eq(count(svg, "class=\"edge\""), s->n_edges, "%s", svg);
	cr_expect_eq(s->n_edges, 8);
	/* node ids as the DOT renderer names them, so the arrows join the right boxes */
	cr_expect_not_null(strstr(svg, "<title>p101_101000000&#45;&gt;p102_102000000</title>"),
			   "%s", svg);

	texts = svg_texts(svg);
	cr_expect(has_line(texts, "producer"), "%s", texts);
	cr_expect(has_line(texts, "consumer"), "%s", texts);
	cr_expect(has_line(texts, "pid 101"), "%s", texts);
	cr_expect(has_line(texts, "[kernel]"), "%s", texts);
	cr_expect(has_line(texts, "pipe pipe:[8425]"), "%s", texts);
	cr_expect(has_line(texts, "1000 msgs, 64000 B"), "%s", texts);
	cr_expect(has_line(texts, "signal SIGUSR1 SI_USER"), "%s", texts);
	free(texts);
	free(svg);
	snapshot_free(s);
	model_free(m);
}

/* '<', '&', quotes and entity look-alikes are drawn as the bytes they are. */
Test(svg, hostile_names_exact)
{
	struct model *m;
	struct snapshot *s = scenario(&m);
	char *svg = render_svg_str(s), *texts = svg_texts(svg);

	cr_expect_null(xml_problem(svg), "%s", svg);
	cr_expect(has_line(texts, MARKUP_COMM), "'%s' not drawn as itself:\n%s", MARKUP_COMM, texts);
	cr_expect(has_line(texts, ENTITY_COMM), "'%s' not drawn as itself:\n%s", ENTITY_COMM, texts);
	cr_expect(has_line(texts, "fifo " MARKUP_PATH), "'%s' not drawn as itself:\n%s",
		  MARKUP_PATH, texts);
	/* nor does any of it reach the markup raw */
	cr_expect_null(strstr(svg, "<a&b>"), "%s", svg);
	cr_expect_null(strstr(svg, "<p>"), "%s", svg);
	free(texts);
	free(svg);
	snapshot_free(s);
	model_free(m);
}

/* The DOT renderer's styling survives: signals red, inferred edges dashed, boxes. */
Test(svg, dot_styling)
{
	struct model *m;
	struct snapshot *s = scenario(&m);
	char *svg = render_svg_str(s);

	cr_expect_eq(count(svg, "<path fill=\"none\" stroke=\"red\""), 2, "%s", svg);
	cr_expect_eq(count(svg, "stroke-dasharray=\"5,2\""), 4, "%s", svg);
	cr_expect_not_null(strstr(svg, "<polygon fill=\"none\" stroke=\"black\""), "%s", svg);
	cr_expect_not_null(strstr(svg, "<title>ipctrace</title>"), "%s", svg);
	free(svg);
	snapshot_free(s);
	model_free(m);
}

Test(svg, empty_report_is_an_empty_picture)
{
	struct model *m = model_new();
	struct snapshot *s = model_snapshot(m, true, true, 0.0, 0, NULL);
	char *svg = render_svg_str(s);

	cr_expect_null(xml_problem(svg), "%s", svg);
	cr_expect_eq(count(svg, "class=\"node\""), 0);
	free(svg);
	snapshot_free(s);
	model_free(m);
}

/* The checker itself: it must refuse what it is there to catch. */
Test(svg, checker_refuses_bad_xml)
{
	cr_expect_null(xml_problem("<?xml version=\"1.0\"?>\n<svg a=\"&amp;\"><g>x &lt; y</g></svg>\n"));
	cr_expect_not_null(xml_problem("<svg><text>a & b</text></svg>"));
	cr_expect_not_null(xml_problem("<svg><text>a < b</text></svg>"));
	cr_expect_not_null(xml_problem("<svg><text>&foo;</text></svg>"));
	cr_expect_not_null(xml_problem("<svg a=\"x\"y\"></svg>"));
	cr_expect_not_null(xml_problem("<svg><g></svg></g>"));
	cr_expect_not_null(xml_problem("<svg><!-- a--b --></svg>"));
	cr_expect_not_null(xml_problem("<svg></svg><svg></svg>"));
}
