/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_mwi.c: one account's voicemail indicator (mwi.c) in the UA: its SUBSCRIBEs on the account's connection, NOTIFYs routed to it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "buf.h"
#include "event.h"
#include "log.h"
#include "mwi.h"
#include "pl.h"
#include "reg.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "ua.h"
#include "ua_priv.h"

struct ua_mwi {
	struct uacc *x;
	struct mwi *m;
	/* the one request the subscription has out */
	reg_resp_h *resp;
	void *rarg;
	struct sip_ctrans *ct;
};

static void ctrans_h(int err, const struct sip_msg *resp, void *arg)
{
	struct ua_mwi *mw = arg;
	reg_resp_h *h = mw->resp;
	char why[120];

	if (!err && resp && sip_msg_status(resp) < 200)
		return;
	sip_ctrans_free(mw->ct);
	mw->ct = NULL;
	mw->resp = NULL;
	snprintf(why, sizeof(why), "%s", err == ETIMEDOUT ? "no answer (timeout)" : err ? strerror(err) : "");
	if (h)
		h(err, err ? NULL : resp, err ? why : NULL, mw->rarg);
}

/* Only on the account's connection as it is: registering brings it back, and with it mwi_start. */
static int snd_send(void *arg, reg_build_h *build, void *barg, reg_resp_h *resp, void *rarg)
{
	struct ua_mwi *mw = arg;
	struct uacc *x = mw->x;
	struct sip_tsend ts;
	struct wbuf w;
	int e;

	if (mw->ct)
		return EBUSY;
	if (!x->flow || !sip_flow_alive(x->flow))
		return EPIPE;
	ts.send = ua_account_tsend;
	ts.arg = x;
	ts.reliable = sip_flow_tp(x->flow) != SIP_TP_UDP;
	wbuf_init(&w, 0);
	e = ua_account_build(x, build, barg, &w);
	if (!e)
		e = sip_ctrans_send(&mw->ct, x->ua->ctm, &ts, w.p, w.len, ctrans_h, mw);
	wbuf_free(&w);
	if (e)
		return e;
	mw->resp = resp;
	mw->rarg = rarg;
	return 0;
}

static void snd_cancel(void *arg)
{
	struct ua_mwi *mw = arg;

	sip_ctrans_free(mw->ct);
	mw->ct = NULL;
	mw->resp = NULL;
}

static void ev_h(const struct event *ev, void *arg)
{
	struct ua_mwi *mw = arg;

	ua_emit(mw->x->ua, ev);
}

int ua_mwi_alloc(struct ua_mwi **mp, struct uacc *x, const char *password)
{
	struct reg_sender snd = { snd_send, snd_cancel, NULL };
	const struct account *a = x->acc;
	struct mwi_conf c;
	struct ua_mwi *mw;
	struct sip_uri u;
	char user[128] = "sphone";
	int e;

	mw = calloc(1, sizeof(*mw));
	if (!mw)
		return ENOMEM;
	mw->x = x;
	snd.arg = mw;
	if (!sip_uri_decode_str(&u, a->uri) && u.user.p)
		pl_strdup(user, sizeof(user), u.user);
	memset(&c, 0, sizeof(c));
	c.account = a->name;
	c.aor = a->uri;
	c.dname = a->display_name;
	c.contact_user = user;
	c.user = a->username;
	c.password = password;
	c.allow_plaintext_auth = a->allow_plaintext_auth;
	c.realms = reg_realms(x->reg);
	c.subscribe = a->mwi;
	/* test hook (tests/interop/asterisk_mwi.sh, sphone(1)): a short subscription, to see it refreshed */
	if (getenv("SPHONE_TEST_MWI_EXPIRES"))
		c.expires = (unsigned)strtoul(getenv("SPHONE_TEST_MWI_EXPIRES"), NULL, 10);
	e = mwi_alloc(&mw->m, x->ua->l, &c, &snd, ev_h, mw);
	if (e) {
		free(mw);
		return e;
	}
	*mp = mw;
	return 0;
}

void ua_mwi_free(struct ua_mwi *mw)
{
	if (!mw)
		return;
	mwi_free(mw->m);
	snd_cancel(mw);
	free(mw);
}

void ua_mwi_registered(struct ua_mwi *mw)
{
	if (mw)
		mwi_start(mw->m);
}

void ua_mwi_conn_lost(struct ua_mwi *mw)
{
	if (mw)
		mwi_conn_lost(mw->m);
}

void ua_mwi_stop(struct ua_mwi *mw)
{
	if (mw)
		mwi_stop(mw->m);
}

void ua_mwi_status(const struct ua_mwi *mw, struct event *ev)
{
	if (mw)
		mwi_status(mw->m, ev);
}

bool ua_mwi_notify(struct uacc *x, const struct sip_msg *req, struct sip_flow *flow)
{
	char extra[128];
	uint16_t code = 0;
	struct wbuf w;

	if (!x || !x->mwi || !mwi_recv_notify(x->mwi->m, req, x->flow == flow, &code, extra, sizeof(extra)))
		return false;
	wbuf_init(&w, 0);
	if (!sip_reply_print(&w, req, code, NULL, NULL, extra[0] ? extra : NULL, NULL, NULL, 0))
		sip_flow_send(flow, w.p, w.len);
	wbuf_free(&w);
	return true;
}
