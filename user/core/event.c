// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/event.h"

static struct ev_field *field_new(struct ev_view *v, const char *key, enum ev_field_kind kind)
{
	struct ev_field *f;

	if (v->n_fields >= EV_FIELDS_MAX)
		return NULL;
	f = &v->f[v->n_fields++];
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->kind = kind;
	return f;
}

void ev_field_int(struct ev_view *v, const char *key, int64_t x)
{
	struct ev_field *f = field_new(v, key, EVF_INT);

	if (f)
		f->v = x;
}

void ev_field_bool(struct ev_view *v, const char *key, bool x)
{
	struct ev_field *f = field_new(v, key, EVF_BOOL);

	if (f)
		f->v = x;
}

void ev_field_str(struct ev_view *v, const char *key, const char *s)
{
	size_t n = strlen(s) + 1;
	struct ev_field *f;

	if (v->strs_used + n > sizeof(v->strs))
		return;
	f = field_new(v, key, EVF_STR);
	if (!f)
		return;
	memcpy(v->strs + v->strs_used, s, n);
	f->s = v->strs + v->strs_used;
	v->strs_used += n;
}

void ev_state_add(struct ev_view *v, const char *fmt, ...)
{
	size_t len = strlen(v->state);
	va_list ap;

	if (len + 2 >= sizeof(v->state))
		return;
	if (len)
		v->state[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(v->state + len, sizeof(v->state) - len, fmt, ap);
	va_end(ap);
}
