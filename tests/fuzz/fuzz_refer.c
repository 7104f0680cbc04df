/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_refer.c: libFuzzer target for what transfer parses by hand: Refer-To (with Replaces), Replaces, Event, Subscription-State, sipfrag. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_refer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_refer_to rt, back;
	struct sip_replaces r;
	enum sip_substate st;
	struct pl a, b;
	uint32_t exp;
	uint16_t code;
	/* an exact-size heap copy so ASan sees any over-read */
	char *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	struct pl in = { p, size };

	if (sip_refer_to_decode(&rt, in) == 0 && rt.has_replaces) {
		char target[600], callid[SIP_REPLACES_MAX], tt[SIP_REPLACES_MAX], ft[SIP_REPLACES_MAX];
		struct wbuf w;

		/* a parsed Replaces never holds a control character, and prints back to the same dialog */
		for (size_t i = 0; rt.replaces_buf[i]; i++)
			if ((unsigned char)rt.replaces_buf[i] < 0x20)
				abort();
		if (!pl_strdup(target, sizeof(target), rt.target) && !strpbrk(target, "?<>") &&
		    !pl_strdup(callid, sizeof(callid), rt.replaces.callid) &&
		    !pl_strdup(tt, sizeof(tt), rt.replaces.to_tag) && !pl_strdup(ft, sizeof(ft), rt.replaces.from_tag)) {
			wbuf_init(&w, 0);
			if (sip_refer_to_print(&w, target, callid, tt, ft) == 0) {
				struct pl pr = { (const char *)w.p, w.len };
				if (sip_refer_to_decode(&back, pr) != 0 || !back.has_replaces ||
				    !pl_eq(back.replaces.callid, rt.replaces.callid) ||
				    !pl_eq(back.replaces.to_tag, rt.replaces.to_tag) ||
				    !pl_eq(back.replaces.from_tag, rt.replaces.from_tag))
					abort();
			}
			wbuf_free(&w);
		}
	}
	sip_replaces_decode(&r, in);
	sip_event_decode(in, &a, &b);
	sip_substate_decode(in, &st, &a, &exp);
	if (sip_frag_decode(in, &code, &a) == 0 && (code < 100 || code > 699))
		abort();
	sip_frag_ctype(in);
	free(p);
	return 0;
}
