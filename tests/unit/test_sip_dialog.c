/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_dialog.c: dialog creation from both sides, route sets (loose and strict), CSeq rules, CANCEL printing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "tap.h"

static struct sip_msg *parse(const char *s)
{
	struct sip_msg *m = NULL;

	if (sip_msg_decode(&m, s, strlen(s)))
		return NULL;
	return m;
}

static struct sip_msg *parse_w(struct wbuf *w)
{
	struct sip_msg *m = NULL;

	if (w->err || sip_msg_decode(&m, w->p, w->len))
		return NULL;
	return m;
}

static const char *VIA = "Via: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bKabcdefabcdef0001;rport\r\n";

/* A response to req with the given status, To tag, Record-Route lines and Contact. */
static struct sip_msg *response(const struct sip_msg *req, int code, const char *tag, const char *extra)
{
	struct wbuf w;
	struct sip_msg *m;

	wbuf_init(&w, 0);
	sip_reply_print(&w, req, (uint16_t)code, NULL, tag, extra, NULL, NULL, 0);
	m = parse_w(&w);
	wbuf_free(&w);
	return m;
}

static void test_uac(void)
{
	struct sip_dialog *d = NULL;
	struct sip_msg *inv, *r180, *r200, *fork, *bye;
	struct wbuf w;
	uint32_t cs1 = 0, cs2 = 0;
	char tag[64];

	is_int(sip_dialog_alloc(&d, "sips:alice@example.com", "Alice \"A\"", "sips:bob@example.com",
				"sips:alice@127.0.0.1:40000;transport=tls"),
	       0, "uac: alloc");
	is_int(sip_dialog_alloc(&d, "nonsense", NULL, "sips:bob@example.com", "sip:a@b"), EINVAL,
	       "uac: bad local URI refused");
	wbuf_init(&w, 0);
	is_int(sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, "application/sdp", "v=0\r\n", 5, &cs1), 0,
	       "uac: INVITE printed");
	inv = parse_w(&w);
	ok(inv != NULL, "uac: INVITE parses");
	if (!inv) {
		wbuf_free(&w);
		sip_dialog_free(d);
		return;
	}
	ok(pl_eq_str(sip_msg_ruri_raw(inv), "sips:bob@example.com"), "uac: R-URI is the remote URI");
	is_int((int)sip_msg_route_count(inv), 0, "uac: no Route without a route set");
	ok(pl_eq_str(sip_msg_from(inv)->tag, sip_dialog_local_tag(d)), "uac: From tag is ours");
	ok(!pl_isset(sip_msg_to(inv)->tag), "uac: no To tag yet");
	ok(pl_eq_str(sip_msg_from(inv)->dname, "Alice \\\"A\\\""), "uac: display name quoted and escaped");
	is_int((int)sip_msg_cseq(inv)->num, (int)cs1, "uac: CSeq reported");
	ok(cs1 >= 1 && cs1 < 0x80000000u, "uac: CSeq below 2^31");
	ok(pl_eq_str(sip_msg_callid(inv), sip_dialog_callid(d)), "uac: Call-ID");
	ok(strlen(sip_dialog_callid(d)) >= 20, "uac: Call-ID long and random");
	is_int(sip_dialog_state(d), SIP_DIALOG_NONE, "uac: no dialog before a tagged response");

	r180 = response(inv, 180, "bobtag1",
			"Record-Route: <sips:p2.example.com;lr>\r\n"
			"Record-Route: <sips:127.0.0.1:5061;transport=tls;lr;r2=on>, <sip:127.0.0.1;lr;r2=on>\r\n"
			"Contact: <sips:bob@127.0.0.1:5070;transport=tls>\r\n");
	is_int(sip_dialog_uac_update(d, r180), 0, "uac: 180 with tag accepted");
	is_int(sip_dialog_state(d), SIP_DIALOG_EARLY, "uac: early dialog");
	is_str(sip_dialog_remote_tag(d), "bobtag1", "uac: remote tag");
	is_int((int)sip_dialog_route_count(d), 3, "uac: three routes");
	is_str(sip_dialog_route_at(d, 0), "<sip:127.0.0.1;lr;r2=on>", "uac: route set reversed (first)");
	is_str(sip_dialog_route_at(d, 2), "<sips:p2.example.com;lr>", "uac: route set reversed (last)");

	r200 = response(inv, 200, "bobtag1",
			"Record-Route: <sips:127.0.0.1:5061;transport=tls;lr;r2=on>, <sip:127.0.0.1;lr;r2=on>\r\n"
			"Contact: \"Bob\" <sips:bob@127.0.0.1:5071;transport=tls>;expires=60\r\n");
	is_int(sip_dialog_uac_update(d, r200), 0, "uac: 200 accepted");
	is_int(sip_dialog_state(d), SIP_DIALOG_CONFIRMED, "uac: confirmed");
	is_int((int)sip_dialog_route_count(d), 2, "uac: 2xx recomputes the route set");
	is_str(sip_dialog_remote_target(d), "sips:bob@127.0.0.1:5071;transport=tls", "uac: target from 2xx Contact");
	ok(sip_dialog_match_resp(d, r200), "uac: response matches");

	fork = response(inv, 200, "othertag", "Contact: <sips:carol@127.0.0.1:5072>\r\n");
	is_int(sip_dialog_uac_update(d, fork), EALREADY, "uac: 2xx from another fork refused");
	is_str(sip_dialog_remote_tag(d), "bobtag1", "uac: fork left the dialog alone");

	/* ACK reuses the INVITE's CSeq number */
	wbuf_reset(&w);
	is_int(sip_dialog_request(d, &w, "ACK", VIA, cs1, NULL, NULL, NULL, 0, NULL), 0, "uac: ACK printed");
	ok(strstr((char *)w.p, "ACK sips:bob@127.0.0.1:5071;transport=tls SIP/2.0\r\n") != NULL,
	   "uac: ACK goes to the target");
	snprintf(tag, sizeof(tag), "CSeq: %u ACK\r\n", (unsigned)cs1);
	ok(strstr((char *)w.p, tag) != NULL, "uac: ACK CSeq = INVITE's");
	ok(strstr((char *)w.p, "Contact:") == NULL, "uac: no Contact in ACK");

	wbuf_reset(&w);
	is_int(sip_dialog_request(d, &w, "BYE", VIA, 0, NULL, NULL, NULL, 0, &cs2), 0, "uac: BYE printed");
	is_int((int)cs2, (int)cs1 + 1, "uac: BYE takes the next CSeq");
	bye = parse_w(&w);
	ok(bye != NULL, "uac: BYE parses");
	if (bye) {
		ok(pl_eq_str(sip_msg_ruri_raw(bye), "sips:bob@127.0.0.1:5071;transport=tls"), "uac: BYE R-URI = target");
		is_int((int)sip_msg_route_count(bye), 2, "uac: BYE carries the route set");
		ok(pl_eq_str(sip_msg_route_at(bye, 0)->val, "<sip:127.0.0.1;lr;r2=on>"), "uac: BYE Route order");
		ok(pl_eq_str(sip_msg_to(bye)->tag, "bobtag1"), "uac: BYE To tag");
		ok(pl_eq_str(sip_msg_to(bye)->uri_raw, "sips:bob@example.com"), "uac: BYE To URI unchanged");
		sip_msg_free(bye);
	}
	sip_msg_free(fork);
	sip_msg_free(r180);
	sip_msg_free(r200);
	sip_msg_free(inv);
	wbuf_free(&w);
	sip_dialog_free(d);
}

static void test_uac_errors(void)
{
	struct sip_dialog *d = NULL;
	struct sip_msg *inv, *r;
	struct wbuf w;

	sip_dialog_alloc(&d, "sips:alice@example.com", NULL, "sips:bob@example.com", "sips:alice@127.0.0.1");
	wbuf_init(&w, 0);
	sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, NULL, NULL, 0, NULL);
	inv = parse_w(&w);
	r = response(inv, 100, NULL, NULL);
	is_int(sip_dialog_uac_update(d, r), 0, "errors: 100 without tag ignored");
	is_int(sip_dialog_state(d), SIP_DIALOG_NONE, "errors: still no dialog");
	sip_msg_free(r);
	r = response(inv, 200, "t1", NULL);
	is_int(sip_dialog_uac_update(d, r), EBADMSG, "errors: 2xx without Contact refused");
	sip_msg_free(r);
	r = response(inv, 486, "t1", NULL);
	is_int(sip_dialog_uac_update(d, r), 0, "errors: 486 does not make a dialog");
	is_int(sip_dialog_state(d), SIP_DIALOG_NONE, "errors: no dialog after 486");
	sip_msg_free(r);
	r = response(inv, 200, "t1", "Contact: <tel:+123>\r\n");
	is_int(sip_dialog_uac_update(d, r), EBADMSG, "errors: tel: Contact refused");
	sip_msg_free(r);
	sip_msg_free(inv);
	wbuf_free(&w);
	sip_dialog_free(d);
}

static void test_strict(void)
{
	struct sip_dialog *d = NULL;
	struct sip_msg *inv, *r, *bye;
	struct wbuf w;

	sip_dialog_alloc(&d, "sip:alice@example.com", NULL, "sip:bob@example.com", "sip:alice@127.0.0.1");
	wbuf_init(&w, 0);
	sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, NULL, NULL, 0, NULL);
	inv = parse_w(&w);
	r = response(inv, 200, "t9", "Record-Route: <sip:strict.example.com>\r\nContact: <sip:bob@10.0.0.9>\r\n");
	is_int(sip_dialog_uac_update(d, r), 0, "strict: 200 accepted");
	wbuf_reset(&w);
	sip_dialog_request(d, &w, "BYE", VIA, 0, NULL, NULL, NULL, 0, NULL);
	bye = parse_w(&w);
	ok(bye && pl_eq_str(sip_msg_ruri_raw(bye), "sip:strict.example.com"), "strict: R-URI is the strict router");
	ok(bye && sip_msg_route_count(bye) == 1 && pl_eq_str(sip_msg_route_at(bye, 0)->val, "<sip:bob@10.0.0.9>"),
	   "strict: remote target goes last in Route");
	sip_msg_free(bye);
	sip_msg_free(r);
	sip_msg_free(inv);

	/* a pre-loaded outbound proxy route is made loose and used for the initial request */
	sip_dialog_free(d);
	d = NULL;
	sip_dialog_alloc(&d, "sip:alice@example.com", NULL, "sip:bob@example.com", "sip:alice@127.0.0.1");
	is_int(sip_dialog_set_route(d, "sips:proxy.example.com:5061;transport=tls"), 0, "preload: set");
	wbuf_reset(&w);
	sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, NULL, NULL, 0, NULL);
	inv = parse_w(&w);
	ok(inv && pl_eq_str(sip_msg_ruri_raw(inv), "sip:bob@example.com"), "preload: R-URI stays the callee");
	ok(inv && sip_msg_route_count(inv) == 1 &&
		   pl_eq_str(sip_msg_route_at(inv, 0)->val, "<sips:proxy.example.com:5061;transport=tls;lr>"),
	   "preload: Route with ;lr");
	sip_msg_free(inv);
	wbuf_free(&w);
	sip_dialog_free(d);
}

static const char *INVITE_IN =
	"INVITE sips:alice@127.0.0.1:40000;transport=tls SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKproxy1\r\n"
	"Via: SIP/2.0/TLS 127.0.0.1:5090;branch=z9hG4bKbob1;rport=5090\r\n"
	"Record-Route: <sips:127.0.0.1:5061;transport=tls;lr;r2=on>\r\n"
	"Record-Route: <sip:127.0.0.1;lr;r2=on>\r\n"
	"Max-Forwards: 69\r\n"
	"From: \"Bob\" <sips:bob@example.com>;tag=bt77\r\n"
	"To: <sips:alice@example.com>\r\n"
	"Call-ID: cid-42@host\r\n"
	"CSeq: 10 INVITE\r\n"
	"Contact: <sips:bob@127.0.0.1:5090;transport=tls>\r\n"
	"Content-Length: 0\r\n\r\n";

static void test_uas(void)
{
	struct sip_dialog *d = NULL;
	struct sip_msg *inv = parse(INVITE_IN), *m;
	struct wbuf w;
	char buf[1024];

	ok(inv != NULL, "uas: INVITE parses");
	if (!inv)
		return;
	is_int(sip_dialog_accept(&d, inv, "sips:alice@127.0.0.1:40000;transport=tls", true), 0, "uas: accept");
	is_str(sip_dialog_callid(d), "cid-42@host", "uas: Call-ID from request");
	is_str(sip_dialog_remote_tag(d), "bt77", "uas: remote tag = From tag");
	is_str(sip_dialog_remote_target(d), "sips:bob@127.0.0.1:5090;transport=tls", "uas: target = Contact");
	is_int((int)sip_dialog_route_count(d), 2, "uas: route set");
	is_str(sip_dialog_route_at(d, 0), "<sips:127.0.0.1:5061;transport=tls;lr;r2=on>", "uas: route set in order");
	ok(sip_dialog_secure(d), "uas: secure");

	wbuf_init(&w, 0);
	is_int(sip_dialog_request(d, &w, "BYE", VIA, 0, NULL, NULL, NULL, 0, NULL), 0, "uas: BYE printed");
	m = parse_w(&w);
	ok(m && pl_eq_str(sip_msg_from(m)->uri_raw, "sips:alice@example.com") &&
		   pl_eq_str(sip_msg_from(m)->tag, sip_dialog_local_tag(d)),
	   "uas: BYE From = our To with our tag");
	ok(m && pl_eq_str(sip_msg_to(m)->tag, "bt77") && pl_eq_str(sip_msg_to(m)->dname, "Bob"),
	   "uas: BYE To = their From");
	ok(m && pl_eq_str(sip_msg_route_at(m, 0)->val, "<sips:127.0.0.1:5061;transport=tls;lr;r2=on>"),
	   "uas: BYE first Route = first Record-Route");
	sip_msg_free(m);
	wbuf_free(&w);

	/* requests from the peer */
	snprintf(buf, sizeof(buf),
		 "INVITE sips:alice@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKre\r\n"
		 "From: <sips:bob@example.com>;tag=bt77\r\nTo: <sips:alice@example.com>;tag=%s\r\n"
		 "Call-ID: cid-42@host\r\nCSeq: 11 INVITE\r\nContact: <sips:bob@127.0.0.1:6000;transport=tls>\r\n"
		 "Content-Length: 0\r\n\r\n",
		 sip_dialog_local_tag(d));
	m = parse(buf);
	ok(m && sip_dialog_match_req(d, m), "uas: re-INVITE matches the dialog");
	is_int(sip_dialog_recv_req(d, m), 0, "uas: re-INVITE CSeq 11 accepted");
	is_str(sip_dialog_remote_target(d), "sips:bob@127.0.0.1:6000;transport=tls", "uas: target refreshed");
	sip_msg_free(m);
	snprintf(buf, sizeof(buf),
		 "BYE sips:alice@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKold\r\n"
		 "From: <sips:bob@example.com>;tag=bt77\r\nTo: <sips:alice@example.com>;tag=%s\r\n"
		 "Call-ID: cid-42@host\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n",
		 sip_dialog_local_tag(d));
	m = parse(buf);
	is_int(sip_dialog_recv_req(d, m), EPROTO, "uas: lower CSeq refused (500)");
	sip_msg_free(m);
	snprintf(buf, sizeof(buf),
		 "BYE sips:alice@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKx\r\n"
		 "From: <sips:bob@example.com>;tag=other\r\nTo: <sips:alice@example.com>;tag=%s\r\n"
		 "Call-ID: cid-42@host\r\nCSeq: 12 BYE\r\nContent-Length: 0\r\n\r\n",
		 sip_dialog_local_tag(d));
	m = parse(buf);
	ok(m && !sip_dialog_match_req(d, m), "uas: wrong From tag does not match");
	sip_msg_free(m);

	/* our connection was replaced: the next re-INVITE carries the new Contact, identifiers unchanged */
	is_int(sip_dialog_set_contact(d, "tel:+1"), EINVAL, "contact: a non-SIP URI refused");
	is_str(sip_dialog_contact(d), "sips:alice@127.0.0.1:40000;transport=tls", "contact: unchanged after refusal");
	is_int(sip_dialog_set_contact(d, "sips:alice@127.0.0.1:41234;transport=tls"), 0, "contact: changed");
	wbuf_init(&w, 0);
	is_int(sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, NULL, NULL, 0, NULL), 0, "contact: re-INVITE printed");
	m = parse_w(&w);
	ok(m && sip_msg_contact_count(m) == 1 &&
		   pl_eq_str(sip_msg_contact_at(m, 0)->uri_raw, "sips:alice@127.0.0.1:41234;transport=tls"),
	   "contact: the re-INVITE carries the new Contact");
	ok(m && pl_eq_str(sip_msg_from(m)->tag, sip_dialog_local_tag(d)) && pl_eq_str(sip_msg_to(m)->tag, "bt77"),
	   "contact: same dialog (tags)");
	sip_msg_free(m);
	wbuf_free(&w);
	sip_dialog_free(d);

	/* no From tag: no dialog */
	m = parse("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKq\r\nFrom: <sip:c@d>\r\n"
		  "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContact: <sip:c@h>\r\nContent-Length: 0\r\n\r\n");
	d = NULL;
	is_int(sip_dialog_accept(&d, m, "sip:a@127.0.0.1", false), EBADMSG, "uas: INVITE without From tag refused");
	ok(d == NULL, "uas: out-parameter untouched on failure");
	sip_msg_free(m);
	sip_msg_free(inv);
}

static void test_cancel(void)
{
	struct sip_dialog *d = NULL;
	struct sip_msg *inv, *c;
	struct wbuf w, cw;

	sip_dialog_alloc(&d, "sips:alice@example.com", NULL, "sips:bob@example.com", "sips:alice@127.0.0.1");
	sip_dialog_set_route(d, "sips:127.0.0.1:5061;transport=tls");
	wbuf_init(&w, 0);
	wbuf_init(&cw, 0);
	sip_dialog_request(d, &w, "INVITE", VIA, 0, NULL, NULL, NULL, 0, NULL);
	inv = parse_w(&w);
	is_int(sip_dialog_cancel_print(&cw, inv), 0, "cancel: printed");
	c = parse_w(&cw);
	ok(c != NULL, "cancel: parses");
	if (c && inv) {
		ok(pl_eq(sip_msg_ruri_raw(c), sip_msg_ruri_raw(inv)), "cancel: same R-URI");
		ok(pl_eq(sip_msg_via(c)->branch, sip_msg_via(inv)->branch), "cancel: same branch");
		is_int((int)sip_msg_cseq(c)->num, (int)sip_msg_cseq(inv)->num, "cancel: same CSeq number");
		is_int(sip_msg_cseq(c)->mid, SIP_METHOD_CANCEL, "cancel: method CANCEL");
		ok(!pl_isset(sip_msg_to(c)->tag), "cancel: To without tag");
		is_int((int)sip_msg_route_count(c), 1, "cancel: same Route");
	}
	is_int(sip_dialog_cancel_print(&cw, c), EINVAL, "cancel: only for an INVITE");
	sip_msg_free(c);
	sip_msg_free(inv);
	wbuf_free(&w);
	wbuf_free(&cw);
	sip_dialog_free(d);
}

/* An INVITE to us with the given Request-URI, top Record-Route line ("" for none) and Contact URI. */
static struct sip_msg *invite_to(const char *ruri, const char *rr, const char *contact)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "INVITE %s SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKsips1\r\n"
		 "%sMax-Forwards: 69\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\n"
		 "Call-ID: sips-rule@host\r\nCSeq: 1 INVITE\r\nContact: <%s>\r\nContent-Length: 0\r\n\r\n",
		 ruri, rr, contact);
	return parse(buf);
}

/* RFC 3261 8.1.1.8 and 12.1.1: where a dialog needs our Contact to be a sips: URI, it is one. */
static void test_sips_contact(void)
{
	static const struct {
		const char *ruri, *rr, *contact;
		bool secure;
		const char *want, *what;
	} uas[] = {
		{ "sips:alice@127.0.0.1:40000", "", "sip:bob@127.0.0.1:5090;transport=tls", true,
		  "sips:alice@127.0.0.1:40000;transport=tls", "sips Request-URI over TLS" },
		{ "sip:alice@127.0.0.1:40000", "Record-Route: <sips:proxy.example.com;lr>\r\n",
		  "sip:bob@127.0.0.1:5090;transport=tls", false, "sips:alice@127.0.0.1:40000;transport=tls",
		  "sips top Record-Route" },
		{ "sip:alice@127.0.0.1:40000", "", "sips:bob@127.0.0.1:5090", false,
		  "sips:alice@127.0.0.1:40000;transport=tls", "sips Contact and no Record-Route" },
		{ "sip:alice@127.0.0.1:40000", "Record-Route: <sip:proxy.example.com;lr>\r\n", "sips:bob@127.0.0.1:5090",
		  false, "sip:alice@127.0.0.1:40000;transport=tls", "sips Contact behind a sip Record-Route: sip" },
		{ "sip:alice@127.0.0.1:40000", "", "sip:bob@127.0.0.1:5090;transport=tls", false,
		  "sip:alice@127.0.0.1:40000;transport=tls", "all sip: stays sip" },
	};
	struct sip_dialog *d = NULL;

	for (size_t i = 0; i < sizeof(uas) / sizeof(uas[0]); i++) {
		struct sip_msg *inv = invite_to(uas[i].ruri, uas[i].rr, uas[i].contact);

		d = NULL;
		ok(inv && !sip_dialog_accept(&d, inv, "sip:alice@127.0.0.1:40000;transport=tls", uas[i].secure),
		   "sips rule, UAS: %s: accepted", uas[i].what);
		is_str(sip_dialog_contact(d), uas[i].want, "sips rule, UAS: %s: our Contact", uas[i].what);
		/* a new connection later (switch of flow): the Contact stays sips where it must */
		is_int(sip_dialog_set_contact(d, "sip:alice@127.0.0.1:40002;transport=tls"), 0, "... Contact changed");
		ok(!strncmp(sip_dialog_contact(d), uas[i].want, 5), "... and keeps its scheme (%s)", sip_dialog_contact(d));
		sip_dialog_free(d);
		sip_msg_free(inv);
	}

	d = NULL;
	is_int(sip_dialog_alloc(&d, "sip:alice@example.com", NULL, "sips:bob@example.com",
				"sip:alice@127.0.0.1:40000;transport=tls"), 0, "sips rule, UAC: alloc to a sips: URI");
	is_str(sip_dialog_contact(d), "sips:alice@127.0.0.1:40000;transport=tls", "... our Contact is sips:");
	sip_dialog_free(d);
	d = NULL;
	sip_dialog_alloc(&d, "sip:alice@example.com", NULL, "sip:bob@example.com", "sip:alice@127.0.0.1:40000;transport=tls");
	is_str(sip_dialog_contact(d), "sip:alice@127.0.0.1:40000;transport=tls", "sips rule, UAC: sip: target keeps sip:");
	is_int(sip_dialog_set_route(d, "sips:proxy.example.com:5061"), 0, "... a sips outbound proxy route");
	is_str(sip_dialog_contact(d), "sips:alice@127.0.0.1:40000;transport=tls", "... makes our Contact sips:");
	sip_dialog_free(d);
}

int main(void)
{
	test_uac();
	test_uac_errors();
	test_strict();
	test_uas();
	test_cancel();
	test_sips_contact();
	return tap_done();
}
