/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ev_copy.h: a test keeps an event its handler was given (test_call, test_reg): the copy a struct event needs. */
#ifndef SPHONE_TEST_EV_COPY_H
#define SPHONE_TEST_EV_COPY_H

#include "event.h"

/* A struct event's fields point into its own arena (the caller's, often its stack): copy field by field. */
static inline void ev_copy(struct event *dst, const struct event *src)
{
	event_init(dst, src->kind);
	for (unsigned i = 0; i < src->n; i++) {
		const struct event_field *f = &src->f[i];
		if (f->type == EVENT_STR)
			event_str(dst, f->key, f->s);
		else if (f->type == EVENT_INT)
			event_int(dst, f->key, f->i);
		else
			event_bool(dst, f->key, f->i != 0);
	}
}

#endif
