/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake_sender.h: a fake reg_sender for the REGISTER and SUBSCRIBE tests: keeps the request, the test answers it. */
#ifndef SPHONE_TEST_FAKE_SENDER_H
#define SPHONE_TEST_FAKE_SENDER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "loop.h"
#include "reg.h"
#include "sip_msg.h"
#include "tap.h"
#include "tls.h"

struct fake {
	reg_resp_h *resp;
	void *rarg;
	bool pending;
	bool secure; /* the flow is TLS (its Via says so, and reg_flow_info carries tls) */
	bool down;   /* no connection: send says EPIPE */
	int nsent;
	int ncancel;
	uint64_t sent_at[32];
	char last[4096];
	struct tls_info tls;
	const char *via_rport; /* appended to ";rport" in the Via: what a registrar would have filled in */
};

static inline int fake_send(void *arg, reg_build_h *build, void *barg, reg_resp_h *resp, void *rarg)
{
	struct fake *f = arg;
	struct reg_flow_info fi;
	char via[128];
	struct wbuf w;
	int e;

	if (f->down)
		return EPIPE;
	snprintf(via, sizeof(via), "Via: SIP/2.0/%s 127.0.0.1:40000;branch=z9hG4bKfake%d;rport%s\r\n",
		 f->secure ? "TLS" : "TCP", f->nsent, f->via_rport ? f->via_rport : "");
	memset(&fi, 0, sizeof(fi));
	fi.transport = f->secure ? "TLS" : "TCP";
	fi.laddr = "127.0.0.1:40000";
	fi.secure = f->secure;
	fi.tls = f->secure ? &f->tls : NULL;
	fi.via = via;
	wbuf_init(&w, 0);
	e = build(&w, &fi, barg);
	if (!e && w.len < sizeof(f->last)) {
		memcpy(f->last, w.p, w.len);
		f->last[w.len] = '\0';
	}
	wbuf_free(&w);
	if (e)
		return e;
	f->resp = resp;
	f->rarg = rarg;
	f->pending = true;
	if (f->nsent < 32)
		f->sent_at[f->nsent] = loop_now_ms();
	f->nsent++;
	return 0;
}

static inline void fake_cancel(void *arg)
{
	struct fake *f = arg;

	f->pending = false;
	f->ncancel++;
}

/* Answers the last request with code and extra header lines (a final response with a To tag). */
static inline void reply(struct fake *f, unsigned code, const char *extra)
{
	struct sip_msg *req = NULL, *resp = NULL;
	struct wbuf w;

	if (!f->pending) {
		ok(0, "reply %u: a request is pending", code);
		return;
	}
	wbuf_init(&w, 0);
	if (sip_msg_decode(&req, f->last, strlen(f->last)) ||
	    sip_reply_print(&w, req, (uint16_t)code, NULL, code >= 200 ? "srv-tag" : NULL, extra, NULL,
			    NULL, 0) ||
	    sip_msg_decode(&resp, w.p, w.len)) {
		ok(0, "reply %u: request parses and response builds", code);
		goto out;
	}
	f->pending = false;
	f->resp(0, resp, NULL, f->rarg);
out:
	sip_msg_free(req);
	sip_msg_free(resp);
	wbuf_free(&w);
}

/* The connection failed under the pending request. */
static inline void fail_transport(struct fake *f, int err, const char *msg)
{
	f->pending = false;
	f->resp(err, NULL, msg, f->rarg);
}

#endif
