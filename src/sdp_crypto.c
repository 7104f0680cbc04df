/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdp_crypto.c: a=crypto (SDES, RFC 4568) lines: strict parsing, key generation, printing. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "b64.h"
#include "crypto.h"
#include "sdp_crypto.h"

/* srtp_suite_supported() builds a libsrtp context: ask once per suite, not once per line */
static pthread_once_t support_once = PTHREAD_ONCE_INIT;
static bool supported[SRTP_SUITE_COUNT];

static void support_init(void)
{
	for (int i = 0; i < SRTP_SUITE_COUNT; i++)
		supported[i] = srtp_suite_supported((enum srtp_suite_id)i);
}

static bool suite_supported(enum srtp_suite_id id)
{
	pthread_once(&support_once, support_init);
	return (unsigned)id < SRTP_SUITE_COUNT && supported[id];
}

static bool has_prefix_ci(struct pl s, const char *pfx)
{
	size_t n = strlen(pfx);
	return s.l >= n && pl_eq_case(pl_sub(s, 0, n), pfx);
}

/* lifetime = ["2^"] 1*DIGIT, at most 2^48 packets and at least 1. */
static int parse_lifetime(struct pl s, uint64_t *lt)
{
	uint64_t n;

	if (s.l >= 2 && s.p[0] == '2' && s.p[1] == '^') {
		if (pl_to_u64(pl_sub(s, 2, s.l - 2), 2, &n) != 0 || n > 48)
			return EBADMSG;
		*lt = UINT64_C(1) << n;
		return 0;
	}
	if (pl_to_u64(s, 15, &n) != 0 || n == 0 || n > SDP_CRYPTO_LIFETIME_MAX)
		return EBADMSG;
	*lt = n;
	return 0;
}

/* mki = mki-value ":" mki-length; value 1*DIGIT, length 1..128 (RFC 4568 9.1). */
static int parse_mki(struct pl s)
{
	long colon = pl_chr(s, ':');
	uint64_t len;

	if (colon <= 0)
		return EBADMSG;
	/* the value is as long as the MKI (up to 128 bits): only its form is checked (MKIs are refused) */
	if (pl_to_u64(pl_sub(s, 0, (size_t)colon), 39, NULL) != 0 ||
	    pl_to_u64(pl_sub(s, (size_t)colon + 1, s.l - (size_t)colon - 1), 3, &len) != 0 ||
	    len < 1 || len > 128)
		return EBADMSG;
	return 0;
}

/*
 * key||salt in base64. Some peers drop the '=' padding of 46-byte keys; the
 * canonical padding is added back before the strict decoder runs.
 */
static int decode_key(struct pl s, uint8_t *out, size_t want, const char **why)
{
	char tmp[B64_ENC_LEN(SRTP_MAX_MASTER_LEN) + 4];
	uint8_t dec[B64_DEC_MAX(sizeof(tmp))];
	size_t n = 0, l = s.l;
	int err;

	if (l == 0 || l > B64_ENC_LEN(SRTP_MAX_MASTER_LEN)) {
		*why = "key has the wrong length for the suite";
		return EBADMSG;
	}
	memcpy(tmp, s.p, l);
	if (l % 4 == 1) {
		*why = "key is not valid base64";
		return EBADMSG;
	}
	while (l % 4)
		tmp[l++] = '=';
	err = b64_decode(tmp, l, dec, sizeof(dec), &n);
	crypto_wipe(tmp, sizeof(tmp));
	if (err) {
		*why = "key is not valid base64";
		return EBADMSG;
	}
	if (n != want) {
		crypto_wipe(dec, sizeof(dec));
		*why = "key has the wrong length for the suite";
		return EBADMSG;
	}
	memcpy(out, dec, n);
	crypto_wipe(dec, sizeof(dec));
	return 0;
}

/* One session parameter; 0 when accepted (possibly recorded in *c). */
static int session_param(struct sdp_crypto *c, struct pl t, const char **why)
{
	uint64_t n;

	if (t.p[0] == '-')
		return 0; /* optional extension we do not know: ignorable by its '-' */
	if (has_prefix_ci(t, "KDR=")) {
		/* libsrtp sessions here derive keys once; a KDR we cannot honour is refused */
		*why = "KDR session parameter not supported";
		return ENOTSUP;
	}
	if (pl_eq_str(t, "UNENCRYPTED_SRTP") || pl_eq_str(t, "UNENCRYPTED_SRTCP") ||
	    pl_eq_str(t, "UNAUTHENTICATED_SRTP")) {
		*why = "session parameter would weaken protection (UNENCRYPTED_*/UNAUTHENTICATED_SRTP)";
		return ENOTSUP;
	}
	if (has_prefix_ci(t, "FEC_KEY=")) {
		*why = "FEC_KEY session parameter not supported";
		return ENOTSUP;
	}
	if (has_prefix_ci(t, "FEC_ORDER=")) {
		struct pl v = pl_sub(t, 10, t.l - 10);
		if (pl_eq_str(v, "FEC_SRTP") || pl_eq_str(v, "SRTP_FEC"))
			return 0;
		*why = "bad FEC_ORDER value";
		return EBADMSG;
	}
	if (has_prefix_ci(t, "WSH=")) {
		if (pl_to_u64(pl_sub(t, 4, t.l - 4), 9, &n) != 0 || n < 64) {
			*why = "bad WSH value (must be at least 64)";
			return EBADMSG;
		}
		c->wsh = (uint32_t)n;
		return 0;
	}
	*why = "unknown mandatory session parameter";
	return ENOTSUP;
}

int sdp_crypto_decode(struct sdp_crypto *cp, struct pl val, const char **reason)
{
	struct sdp_crypto c;
	struct pl rest = val, tag, suite, kp, key, part;
	char name[40];
	const char *why = "";
	uint64_t n;
	long bar;
	int err;

	memset(&c, 0, sizeof(c));
	if (!cp || !val.p) {
		why = "no value";
		err = EINVAL;
		goto out;
	}
	tag = pl_token(&rest);
	if (pl_to_u64(tag, 9, &n) != 0 || n == 0) {
		why = "bad tag";
		err = EBADMSG;
		goto out;
	}
	c.tag = (uint32_t)n;
	suite = pl_token(&rest);
	kp = pl_token(&rest);
	if (suite.l == 0 || kp.l == 0) {
		why = "missing suite or key parameters";
		err = EBADMSG;
		goto out;
	}
	if (pl_strdup(name, sizeof(name), suite) != 0 || srtp_suite_from_name(name, &c.suite) != 0) {
		why = "unknown crypto suite";
		err = ENOENT;
		goto out;
	}
	if (!suite_supported(c.suite)) {
		why = "crypto suite not supported by libsrtp";
		err = ENOENT;
		goto out;
	}
	if (pl_chr(kp, ';') >= 0) {
		why = "several keys in one line (not supported)";
		err = ENOTSUP;
		goto out;
	}
	if (!has_prefix_ci(kp, "inline:")) {
		why = "key method is not inline";
		err = ENOTSUP;
		goto out;
	}
	kp = pl_sub(kp, 7, kp.l - 7);
	bar = pl_chr(kp, '|');
	key = bar < 0 ? kp : pl_sub(kp, 0, (size_t)bar);
	c.key_len = srtp_suite_key_len(c.suite) + srtp_suite_salt_len(c.suite);
	err = decode_key(key, c.key, c.key_len, &why);
	if (err)
		goto out;
	/* up to two '|' fields: lifetime then MKI, either may be absent */
	for (int field = 0; bar >= 0; field++) {
		kp = pl_sub(kp, (size_t)bar + 1, kp.l - (size_t)bar - 1);
		bar = pl_chr(kp, '|');
		part = bar < 0 ? kp : pl_sub(kp, 0, (size_t)bar);
		if (field >= 2 || part.l == 0) {
			why = "malformed key parameters";
			err = EBADMSG;
			goto out;
		}
		if (pl_chr(part, ':') >= 0) {
			if (parse_mki(part) != 0) {
				why = "malformed MKI";
				err = EBADMSG;
			} else {
				why = "MKI not supported";
				err = ENOTSUP;
			}
			goto out;
		}
		if (field == 1 || c.lifetime) {
			why = "malformed key parameters";
			err = EBADMSG;
			goto out;
		}
		if (parse_lifetime(part, &c.lifetime) != 0) {
			why = "bad key lifetime";
			err = EBADMSG;
			goto out;
		}
	}
	while (rest.l) {
		part = pl_token(&rest);
		if (part.l == 0)
			break;
		err = session_param(&c, part, &why);
		if (err)
			goto out;
	}
	*cp = c;
	err = 0;
out:
	crypto_wipe(&c, sizeof(c));
	if (reason)
		*reason = why;
	return err;
}

int sdp_crypto_generate(struct sdp_crypto *cp, uint32_t tag, enum srtp_suite_id suite)
{
	struct sdp_crypto c;
	int err;

	if (!cp || tag == 0 || tag > SDP_CRYPTO_TAG_MAX || !srtp_suite_name(suite))
		return EINVAL;
	memset(&c, 0, sizeof(c));
	c.tag = tag;
	c.suite = suite;
	c.key_len = srtp_suite_key_len(suite) + srtp_suite_salt_len(suite);
	err = crypto_rand(c.key, c.key_len);
	if (!err)
		*cp = c;
	crypto_wipe(&c, sizeof(c));
	return err;
}

int sdp_crypto_print(struct wbuf *w, const struct sdp_crypto *c)
{
	char b64[B64_ENC_LEN(SRTP_MAX_MASTER_LEN) + 1];
	const char *name;
	int err;

	if (!w || !c || !(name = srtp_suite_name(c->suite)) || c->key_len > sizeof(c->key))
		return EINVAL;
	err = b64_encode(c->key, c->key_len, b64, sizeof(b64));
	if (!err)
		err = wbuf_printf(w, "a=crypto:%u %s inline:%s\r\n", (unsigned)c->tag, name, b64);
	crypto_wipe(b64, sizeof(b64));
	return err;
}

void sdp_crypto_wipe(struct sdp_crypto *c)
{
	if (c)
		crypto_wipe(c, sizeof(*c));
}
