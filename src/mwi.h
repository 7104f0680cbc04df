/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mwi.h: the voicemail indicator of one account: RFC 3842 message-summary by SUBSCRIBE and by unsolicited NOTIFY. */
#ifndef SPHONE_MWI_H
#define SPHONE_MWI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msgsum.h"
#include "reg.h" /* struct reg_sender: how requests leave, shared with the registration */

struct event;
struct loop;
struct sip_auth_realms;
struct sip_msg;

/* What one account's indicator needs; strings are copied. */
struct mwi_conf {
	const char *account;     /* its name, for events and the log */
	const char *aor;         /* the mailbox subscribed to: the account's address of record */
	const char *dname;       /* display name in From, may be NULL */
	const char *contact_user;
	const char *user;        /* digest user */
	const char *password;    /* NULL: none (a challenge then fails) */
	bool allow_plaintext_auth;
	const struct sip_auth_realms *realms; /* the account's realms (reg_realms); must outlive the mwi */
	bool subscribe;          /* mwi = yes: SUBSCRIBE; else only unsolicited NOTIFYs are taken */
	unsigned expires;        /* asked for in SUBSCRIBE; 0: MWI_EXPIRES */
};

#define MWI_EXPIRES 3600

enum mwi_state {
	MWI_IDLE,         /* not subscribed (mwi = no, not started, or the flow went away) */
	MWI_SUBSCRIBING,  /* a SUBSCRIBE is out */
	MWI_ACTIVE,       /* a 2xx came: refreshed before it expires */
	MWI_WAITING,      /* failed for now: retry timer running */
	MWI_REFUSED,      /* the server does not offer message-summary (489, 405, 501, 404, 403, rejected): no retry */
};

/*
 * The "mwi" event: account, waiting (bool), new, old, urgent_new, urgent_old (Voice-Message; 0
 * when not given), mailbox (Message-Account, when given), via ("subscription" or "unsolicited").
 */
typedef void(mwi_event_h)(const struct event *ev, void *arg);

struct mwi;
int mwi_alloc(struct mwi **mp, struct loop *l, const struct mwi_conf *c, const struct reg_sender *snd,
	      mwi_event_h *eh, void *arg);
/* Stops silently (no un-SUBSCRIBE). NULL-safe. */
void mwi_free(struct mwi *m);

/*
 * The account is registered (again): subscribe unless a subscription is active or refused.
 * Nothing when subscribe is off. 0 or an errno.
 */
int mwi_start(struct mwi *m);
/*
 * The account's flow went away: the server would send its NOTIFYs to a connection that is gone, so
 * the subscription is forgotten (no request is sent) and a new one is made at the next mwi_start.
 */
void mwi_conn_lost(struct mwi *m);
/* Un-SUBSCRIBE (Expires: 0) when active, best effort; nothing is waited for. */
void mwi_stop(struct mwi *m);

/*
 * A NOTIFY for this account. on_account_flow: it came over the account's own connection (an
 * unsolicited NOTIFY from anywhere else is refused: anyone could send one). Writes the response
 * code to *code and a header line to send with it to extra (Allow-Events, or "" ): 200 when taken
 * (an "mwi" event follows), 403 (wrong connection), 489 (Event other than message-summary), 400
 * (a body that is not a message summary), 481 (in a subscription dialog that is not ours any more).
 * A NOTIFY of our subscription also carries its Subscription-State, which may end or shorten it
 * (RFC 6665 4.1.3). Returns false when the NOTIFY is none of this account's business (another
 * event package in another dialog is for someone else).
 */
bool mwi_recv_notify(struct mwi *m, const struct sip_msg *req, bool on_account_flow, uint16_t *code, char *extra,
		     size_t extrasz);

enum mwi_state mwi_state(const struct mwi *m);
const char *mwi_state_name(enum mwi_state s);
/* The last summary received (false before any). */
bool mwi_summary(const struct mwi *m, struct msgsum *s);
/*
 * Adds the indicator's fields to a "status" event: mwi (the state, or "unsolicited" when it does not
 * subscribe), voicemail_new, voicemail_old (once a summary came). Nothing when it does not subscribe
 * and no summary came.
 */
void mwi_status(const struct mwi *m, struct event *ev);

/* Timing, for tests: retry backoff from min_ms doubling to max_ms (defaults 30 s and 30 min). */
void mwi_set_timing(struct mwi *m, unsigned backoff_min_ms, unsigned backoff_max_ms);

#endif
