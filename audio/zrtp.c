/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zrtp.c: ZRTP (RFC 6189) over libbzrtp, loaded with dlopen on first use; the only caller of it and its cache. */
/*
 * Linking libbzrtp makes every sphone process map bctoolbox, mbedtls,
 * libdecaf, libxml2, ICU, SQLite and libstdc++: `sphone --demo --headless`
 * peaks at 15.6 MB instead of 11.9 MB, a call without ZRTP included. So the
 * calls below go through pointers filled from dlopen(BZRTP_SONAME) the first
 * time ZRTP is wanted (zrtp_lib_load, zrtp_cache_open, zrtp_alloc). SQLite
 * (libbzrtp's cache) and bctoolbox's logger come from the same handle.
 *
 * bctoolbox logs to stdout by default, which would land in the headless
 * JSON-lines stream and may carry key material at debug level: its output is
 * switched off at load, before any context exists. bzrtp's callbacks run
 * inside bzrtp_processMessage / bzrtp_iterate; they only record what
 * happened, and the owner's secure/fail handlers run after the library call
 * returned, so a handler may free the engine.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bctoolbox/logging.h>
#include <bzrtp/bzrtp.h>
#include <sqlite3.h>

#include "zrtp.h"

#ifndef BZRTP_SONAME
#define BZRTP_SONAME "libbzrtp.so.0"
#endif

/*
 * The local URI under which bzrtp files our ZID: one constant, so the ZID is
 * per installation (per cache file), not per account (RFC 6189 4.9).
 */
#define SELF_URI "sphone:local"
/* SQLite waits this long for another sphone holding the cache, on the main loop: short. */
#define CACHE_BUSY_MS 250

#define LIB_FNS(F)                                                                                    \
	F(bzrtpContext_t *, bzrtp_createBzrtpContext, (void))                                         \
	F(int, bzrtp_initBzrtpContext, (bzrtpContext_t *, uint32_t))                                  \
	F(int, bzrtp_destroyBzrtpContext, (bzrtpContext_t *, uint32_t))                               \
	F(int, bzrtp_setCallbacks, (bzrtpContext_t *, const bzrtpCallbacks_t *))                      \
	F(int, bzrtp_setZIDCache_lock, (bzrtpContext_t *, void *, const char *, const char *,         \
					bctbx_mutex_t *))                                              \
	F(int, bzrtp_setClientData, (bzrtpContext_t *, uint32_t, void *))                             \
	F(int, bzrtp_startChannelEngine, (bzrtpContext_t *, uint32_t))                                \
	F(int, bzrtp_iterate, (bzrtpContext_t *, uint32_t, uint64_t))                                 \
	F(int, bzrtp_processMessage, (bzrtpContext_t *, uint32_t, uint8_t *, uint16_t))               \
	F(void, bzrtp_SASVerified, (bzrtpContext_t *))                                                \
	F(void, bzrtp_resetSASVerified, (bzrtpContext_t *))                                           \
	F(void, bzrtp_setSupportedCryptoTypes, (bzrtpContext_t *, uint8_t, uint8_t[7], uint8_t))      \
	F(int, bzrtp_setPeerHelloHash, (bzrtpContext_t *, uint32_t, uint8_t *, size_t))               \
	F(int, bzrtp_getSelfHelloHash, (bzrtpContext_t *, uint32_t, uint8_t *, size_t))               \
	F(int, bzrtp_initCache_lock, (void *, bctbx_mutex_t *))                                       \
	F(int, bzrtp_getSelfZID_lock, (void *, const char *, uint8_t[12], bctbx_rng_context_t *,      \
				       bctbx_mutex_t *))                                               \
	F(int, bzrtp_cache_getPeerStatus_lock, (void *, const char *, bctbx_mutex_t *))               \
	F(int, sqlite3_open_v2, (const char *, sqlite3 **, int, const char *))                        \
	F(int, sqlite3_close, (sqlite3 *))                                                            \
	F(int, sqlite3_exec, (sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, \
			      char **))                                                               \
	F(int, sqlite3_busy_timeout, (sqlite3 *, int))                                                \
	F(void, bctbx_set_log_handler, (BctbxLogFunc))                                                \
	F(void, bctbx_set_log_level_mask, (const char *, int))

static struct {
#define LIB_PTR(ret, name, params) ret(*name) params;
	LIB_FNS(LIB_PTR)
} lib;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_loaded;
static char lib_err[256] = "libbzrtp not loaded yet";

static void log_drop(const char *domain, BctbxLogLevel lev, const char *fmt, va_list args)
{
}

static void lib_open(void)
{
	void *h = dlopen(BZRTP_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!h) {
		snprintf(lib_err, sizeof(lib_err), "ZRTP library %s could not be loaded: %s (Debian package libbzrtp0)",
			 BZRTP_SONAME, dlerror());
		return;
	}
#define LIB_SYM(ret, name, params)                                                                     \
	if (!missing && !(lib.name = (ret(*) params)dlsym(h, #name)))                                  \
		missing = #name;
	LIB_FNS(LIB_SYM)
	if (missing) {
		snprintf(lib_err, sizeof(lib_err), "ZRTP library %s lacks %s", BZRTP_SONAME, missing);
		dlclose(h);
		memset(&lib, 0, sizeof(lib));
		return;
	}
	lib.bctbx_set_log_handler(log_drop);
	lib.bctbx_set_log_level_mask(NULL, 0);
	snprintf(lib_err, sizeof(lib_err), "ZRTP library %s loaded", BZRTP_SONAME);
	lib_loaded = 1;
}

int zrtp_lib_load(void)
{
	pthread_once(&lib_once, lib_open);
	return lib_loaded ? 0 : ELIBACC;
}

const char *zrtp_lib_error(void)
{
	(void)zrtp_lib_load();
	return lib_err;
}

/* ---- cache ---- */

struct zrtp_cache {
	sqlite3 *db;
};

/* mkdir -p of path's directory, each directory made 0700 (a data directory of one user). */
static int make_parent_dirs(const char *path)
{
	char *d = strdup(path);
	int err = 0;

	if (!d)
		return ENOMEM;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST) {
			err = errno;
			break;
		}
		*p = '/';
	}
	free(d);
	return err;
}

/* The file exists, is a regular file of ours, and nobody else may read it. */
static int prepare_file(const char *path)
{
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;
	else if (st.st_uid != geteuid())
		err = EPERM;
	else if ((st.st_mode & 0077) && fchmod(fd, 0600) != 0)
		err = errno;
	close(fd);
	return err;
}

int zrtp_cache_open(struct zrtp_cache **cp, const char *path)
{
	struct zrtp_cache *c = NULL;
	int err, r;

	if (!cp || !path || !*path)
		return EINVAL;
	if ((err = zrtp_lib_load()) != 0)
		return err;
	if ((err = make_parent_dirs(path)) != 0 || (err = prepare_file(path)) != 0)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	/* the file exists (prepare_file): no CREATE, so a race that removed it is an error, not a new cache */
	r = lib.sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (r != SQLITE_OK) {
		err = r == SQLITE_CANTOPEN ? ENOENT : EIO;
		goto out;
	}
	lib.sqlite3_busy_timeout(c->db, CACHE_BUSY_MS);
	/* replaced retained secrets are overwritten in the file, not left in free pages */
	if (lib.sqlite3_exec(c->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK) {
		err = EBADMSG;
		goto out;
	}
	r = lib.bzrtp_initCache_lock(c->db, NULL);
	if (r != 0 && r != BZRTP_CACHE_SETUP && r != BZRTP_CACHE_UPDATE) {
		err = EBADMSG;
		goto out;
	}
	*cp = c;
	c = NULL;
out:
	zrtp_cache_close(c);
	return err;
}

void zrtp_cache_close(struct zrtp_cache *c)
{
	if (!c)
		return;
	if (c->db)
		lib.sqlite3_close(c->db);
	free(c);
}

int zrtp_cache_zid(struct zrtp_cache *c, uint8_t zid[ZRTP_ZID_LEN])
{
	if (!c || !zid)
		return EINVAL;
	/* no RNG context: read only, never make one here */
	return lib.bzrtp_getSelfZID_lock(c->db, SELF_URI, zid, NULL, NULL) == 0 ? 0 : ENOENT;
}

/* ---- algorithms ---- */

struct algo {
	unsigned bit;
	uint8_t id;
	const char *name;
};

/* each list in sphone's order of preference: strongest first */
static const struct algo ka_algos[] = {
	{ ZRTP_KA_X25519, ZRTP_KEYAGREEMENT_X255, "X255" },
	{ ZRTP_KA_DH3K, ZRTP_KEYAGREEMENT_DH3k, "DH3k" },
	{ ZRTP_KA_X448, ZRTP_KEYAGREEMENT_X448, "X448" },
	{ ZRTP_KA_DH2K, ZRTP_KEYAGREEMENT_DH2k, "DH2k" },
	{ 0, 0, NULL },
};
static const struct algo cipher_algos[] = {
	{ ZRTP_CIPHER_AES256, ZRTP_CIPHER_AES3, "AES3" },
	{ ZRTP_CIPHER_AES128, ZRTP_CIPHER_AES1, "AES1" },
	{ 0, 0, NULL },
};
static const struct algo auth_algos[] = {
	{ ZRTP_AUTH_HS80, ZRTP_AUTHTAG_HS80, "HS80" },
	{ ZRTP_AUTH_HS32, ZRTP_AUTHTAG_HS32, "HS32" },
	{ 0, 0, NULL },
};
static const struct algo sas_algos[] = {
	{ ZRTP_SAS_BASE32, ZRTP_SAS_B32, "B32 " },
	{ ZRTP_SAS_BASE256, ZRTP_SAS_B256, "B256" },
	{ 0, 0, NULL },
};
static const struct algo hash_algos[] = {
	{ 1, ZRTP_HASH_S256, "S256" },
	{ 0, 0, NULL },
};

static const struct algo *algo_by_id(const struct algo *a, uint8_t id)
{
	for (; a->name; a++)
		if (a->id == id)
			return a;
	return NULL;
}

/* Offer the chosen set in preference order; EINVAL for a bit this list does not know. */
static int offer(bzrtpContext_t *ctx, uint8_t type, const struct algo *a, unsigned set, unsigned all)
{
	uint8_t ids[7];
	uint8_t n = 0;

	if (set == 0)
		set = all;
	for (; a->name; a++)
		if (set & a->bit)
			ids[n++] = a->id;
	if (n == 0)
		return EINVAL;
	lib.bzrtp_setSupportedCryptoTypes(ctx, type, ids, n);
	return 0;
}

static unsigned known_bits(const struct algo *a)
{
	unsigned b = 0;

	for (; a->name; a++)
		b |= a->bit;
	return b;
}

/* RFC 6189 cipher + tag -> the SRTP suite srtp.c runs (AES-CM with HMAC-SHA1, RFC 6189 5.1.3-5.1.4). */
static int suite_of(uint8_t cipher, uint8_t auth, enum srtp_suite_id *sp)
{
	if (cipher == ZRTP_CIPHER_AES1 && auth == ZRTP_AUTHTAG_HS80)
		*sp = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	else if (cipher == ZRTP_CIPHER_AES1 && auth == ZRTP_AUTHTAG_HS32)
		*sp = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	else if (cipher == ZRTP_CIPHER_AES3 && auth == ZRTP_AUTHTAG_HS80)
		*sp = SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	else if (cipher == ZRTP_CIPHER_AES3 && auth == ZRTP_AUTHTAG_HS32)
		*sp = SRTP_SUITE_AES_256_CM_HMAC_SHA1_32;
	else
		return EPROTO;
	return 0;
}

/* key || salt from bzrtp's separate buffers, checked against what the suite needs */
static int join_key(enum srtp_suite_id suite, const uint8_t *key, size_t klen, const uint8_t *salt,
		    size_t slen, uint8_t *out, size_t *outlen)
{
	if (!key || !salt || klen != srtp_suite_key_len(suite) || slen != srtp_suite_salt_len(suite) ||
	    klen + slen > SRTP_MAX_MASTER_LEN)
		return EPROTO;
	memcpy(out, key, klen);
	memcpy(out + klen, salt, slen);
	*outlen = klen + slen;
	return 0;
}

/* ---- engine ---- */

struct zrtp {
	bzrtpContext_t *ctx;
	struct zrtp_cache *cache;
	uint32_t ssrc;
	struct zrtp_handlers h;
	char *peer_uri;
	enum zrtp_state state;
	uint64_t deadline;
	bool peer_heard;       /* the engine accepted a packet from the peer */
	bool mismatch_status;  /* bzrtp's BZRTP_MESSAGE_CACHEMISMATCH */
	bool uri_was_verified; /* at alloc: the peer URI's last device was verified */
	bool have_hello;       /* hello: the peer's last Hello the engine accepted */
	struct zrtp_wire_hello hello;
	/* reports made inside the library, delivered after it returned */
	bool pend_rx, pend_secure;
	int pend_fail;
	struct zrtp_keys rx;
	struct zrtp_result res;
	struct zrtp_stats st;
};

const char *zrtp_trust_name(enum zrtp_trust t)
{
	switch (t) {
	case ZRTP_TRUST_NEW:
		return "new";
	case ZRTP_TRUST_VERIFIED:
		return "verified";
	case ZRTP_TRUST_MISMATCH:
		return "MISMATCH";
	case ZRTP_TRUST_OTHER_DEVICE:
		return "other-device";
	}
	return "?";
}

#define STR_(x) #x
#define STR(x) STR_(x)

const char *zrtp_strerror(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return "the ZRTP handshake did not complete within " STR(ZRTP_HANDSHAKE_MAX_S) " s";
	case EPROTONOSUPPORT:
		return "no ZRTP from the peer within " STR(ZRTP_HANDSHAKE_MAX_S)
		       " s (it does not speak ZRTP, or something drops it)";
	case EKEYREJECTED:
		return "the peer's ZRTP Hello does not match the a=zrtp-hash in its SDP: possible attack";
	case EPROTO:
		return "ZRTP negotiated keys sphone cannot use";
	case ELIBACC:
		return zrtp_lib_error();
	default:
		return strerror(err);
	}
}

static int cb_send(void *arg, const uint8_t *pkt, uint16_t len)
{
	struct zrtp *z = arg;
	int err;

	if (!z->h.send)
		return -1;
	err = z->h.send(pkt, len, z->h.arg);
	if (err == 0)
		z->st.sent++;
	return err ? -1 : 0;
}

static int cb_status(void *arg, const uint8_t level, const uint8_t id, const char *msg)
{
	struct zrtp *z = arg;

	if (id == BZRTP_MESSAGE_CACHEMISMATCH)
		z->mismatch_status = true;
	return 0;
}

static int cb_secrets(void *arg, const bzrtpSrtpSecrets_t *s, uint8_t part)
{
	struct zrtp *z = arg;
	enum srtp_suite_id suite;

	if (!(part & ZRTP_SRTP_SECRETS_FOR_RECEIVER) || z->pend_rx || z->state != ZRTP_RUNNING)
		return 0;
	if (suite_of(s->cipherAlgo, s->authTagAlgo, &suite) != 0)
		return 0; /* reported as EPROTO by cb_secure */
	memset(&z->rx, 0, sizeof(z->rx));
	z->rx.suite = suite;
	if (join_key(suite, s->peerSrtpKey, s->peerSrtpKeyLength, s->peerSrtpSalt, s->peerSrtpSaltLength,
		     z->rx.rx, &z->rx.rx_len) == 0)
		z->pend_rx = true;
	return 0;
}

static void copy_name(char out[5], const struct algo *list, uint8_t id)
{
	const struct algo *a = algo_by_id(list, id);

	snprintf(out, 5, "%s", a ? a->name : "?");
	if (out[3] == ' ')
		out[3] = '\0';
}

static int cb_secure(void *arg, const bzrtpSrtpSecrets_t *s, int32_t verified)
{
	struct zrtp *z = arg;
	struct zrtp_result *r = &z->res;
	int err;

	if (z->state != ZRTP_RUNNING)
		return 0;
	if ((err = suite_of(s->cipherAlgo, s->authTagAlgo, &r->keys.suite)) != 0 ||
	    (err = join_key(r->keys.suite, s->selfSrtpKey, s->selfSrtpKeyLength, s->selfSrtpSalt,
			    s->selfSrtpSaltLength, r->keys.tx, &r->keys.tx_len)) != 0 ||
	    (err = join_key(r->keys.suite, s->peerSrtpKey, s->peerSrtpKeyLength, s->peerSrtpSalt,
			    s->peerSrtpSaltLength, r->keys.rx, &r->keys.rx_len)) != 0 ||
	    !srtp_suite_supported(r->keys.suite) || !s->sas || s->sas[0] == '\0') {
		z->pend_fail = EPROTO;
		return 0;
	}
	/* B256 comes as "word:word"; people read it with a pause, so show a space */
	snprintf(r->sas, sizeof(r->sas), "%s", s->sas);
	for (char *p = r->sas; *p; p++)
		if (*p == ':')
			*p = ' ';
	r->sas_type = s->sasAlgo == ZRTP_SAS_B256 ? ZRTP_SAS_BASE256 : ZRTP_SAS_BASE32;
	copy_name(r->hash, hash_algos, s->hashAlgo);
	copy_name(r->cipher, cipher_algos, s->cipherAlgo);
	copy_name(r->auth, auth_algos, s->authTagAlgo);
	copy_name(r->ka, ka_algos, s->keyAgreementAlgo);
	/* the exchange made this device the peer URI's active one: its status is our own flag for it */
	r->verified_here = z->cache && lib.bzrtp_cache_getPeerStatus_lock(z->cache->db, z->peer_uri, NULL) ==
						BZRTP_CACHE_PEER_STATUS_VALID;
	if (s->cacheMismatch || z->mismatch_status)
		r->trust = ZRTP_TRUST_MISMATCH;
	else if (verified)
		r->trust = ZRTP_TRUST_VERIFIED;
	else if (z->uri_was_verified && !r->verified_here)
		r->trust = ZRTP_TRUST_OTHER_DEVICE;
	else
		r->trust = ZRTP_TRUST_NEW;
	z->pend_secure = true;
	return 0;
}

static void wipe_reports(struct zrtp *z)
{
	explicit_bzero(&z->rx, sizeof(z->rx));
	explicit_bzero(&z->res.keys, sizeof(z->res.keys));
}

/*
 * Hand what the library reported to the owner, after the library call
 * returned. The secure or fail handler runs last and may free z.
 */
static void deliver(struct zrtp *z)
{
	if (z->pend_fail) {
		int err = z->pend_fail;

		z->pend_fail = 0;
		z->pend_rx = z->pend_secure = false;
		z->state = ZRTP_FAILED;
		wipe_reports(z);
		if (z->h.fail)
			z->h.fail(err, z->h.arg);
		return;
	}
	if (z->pend_rx) {
		z->pend_rx = false;
		if (z->h.rx_key)
			z->h.rx_key(&z->rx, z->h.arg);
		explicit_bzero(&z->rx, sizeof(z->rx));
	}
	if (z->pend_secure) {
		struct zrtp_result r = z->res;

		z->pend_secure = false;
		z->state = ZRTP_SECURE;
		wipe_reports(z);
		if (z->h.secure)
			z->h.secure(&r, z->h.arg);
		explicit_bzero(&r, sizeof(r));
	}
}

int zrtp_alloc(struct zrtp **zp, struct zrtp_cache *cache, const struct zrtp_conf *conf,
	       const struct zrtp_handlers *h)
{
	struct zrtp *z = NULL;
	bzrtpCallbacks_t cbs = {
		.bzrtp_statusMessage = cb_status,
		.bzrtp_messageLevel = BZRTP_MESSAGE_ERROR,
		.bzrtp_sendData = cb_send,
		.bzrtp_srtpSecretsAvailable = cb_secrets,
		.bzrtp_startSrtpSession = cb_secure,
	};
	int err, r;

	if (!zp || !conf || !h)
		return EINVAL;
	if ((conf->ka & ~known_bits(ka_algos)) || (conf->cipher & ~known_bits(cipher_algos)) ||
	    (conf->auth & ~known_bits(auth_algos)) || (conf->sas & ~known_bits(sas_algos)))
		return EINVAL;
	if ((err = zrtp_lib_load()) != 0)
		return err;
	z = calloc(1, sizeof(*z));
	if (!z)
		return ENOMEM;
	z->cache = cache;
	z->ssrc = conf->ssrc;
	z->h = *h;
	z->state = ZRTP_IDLE;
	z->peer_uri = strdup(conf->peer_uri && *conf->peer_uri ? conf->peer_uri : "unknown");
	z->ctx = z->peer_uri ? lib.bzrtp_createBzrtpContext() : NULL;
	if (!z->ctx) {
		err = ENOMEM;
		goto out;
	}
	if (cache) {
		/* before this call's exchange makes the peer's current device the URI's "active" one */
		z->uri_was_verified = lib.bzrtp_cache_getPeerStatus_lock(cache->db, z->peer_uri, NULL) ==
				      BZRTP_CACHE_PEER_STATUS_VALID;
		r = lib.bzrtp_setZIDCache_lock(z->ctx, cache->db, SELF_URI, z->peer_uri, NULL);
		if (r != 0 && r != BZRTP_CACHE_SETUP && r != BZRTP_CACHE_UPDATE) {
			err = EIO;
			goto out;
		}
	}
	if (lib.bzrtp_setCallbacks(z->ctx, &cbs) != 0) {
		err = EINVAL;
		goto out;
	}
	/* the offer goes into the Hello, which the context builds at init: set it first */
	if ((err = offer(z->ctx, ZRTP_KEYAGREEMENT_TYPE, ka_algos, conf->ka, ZRTP_DEFAULT_KA)) != 0 ||
	    (err = offer(z->ctx, ZRTP_CIPHERBLOCK_TYPE, cipher_algos, conf->cipher, ZRTP_DEFAULT_CIPHER)) != 0 ||
	    (err = offer(z->ctx, ZRTP_AUTHTAG_TYPE, auth_algos, conf->auth, ZRTP_DEFAULT_AUTH)) != 0 ||
	    (err = offer(z->ctx, ZRTP_SAS_TYPE, sas_algos, conf->sas, ZRTP_DEFAULT_SAS)) != 0 ||
	    (err = offer(z->ctx, ZRTP_HASH_TYPE, hash_algos, 1, 1)) != 0)
		goto out;
	if (lib.bzrtp_initBzrtpContext(z->ctx, z->ssrc) != 0 ||
	    lib.bzrtp_setClientData(z->ctx, z->ssrc, z) != 0) {
		err = EIO;
		goto out;
	}
	*zp = z;
	z = NULL;
out:
	zrtp_free(z);
	return err;
}

void zrtp_free(struct zrtp *z)
{
	if (!z)
		return;
	if (z->ctx)
		lib.bzrtp_destroyBzrtpContext(z->ctx, z->ssrc);
	free(z->peer_uri);
	explicit_bzero(z, sizeof(*z));
	free(z);
}

int zrtp_set_handlers(struct zrtp *z, const struct zrtp_handlers *h)
{
	if (!z)
		return EINVAL;
	if (h)
		z->h = *h;
	else
		memset(&z->h, 0, sizeof(z->h));
	return 0;
}

int zrtp_hello_hash(const struct zrtp *z, struct zrtp_hello_hash *h)
{
	/* "1.10 " + 64 hex digits + NUL, as bzrtp prints it */
	uint8_t buf[ZRTP_WIRE_HASH_STR_MAX];
	int err;

	if (!z || !h)
		return EINVAL;
	if (lib.bzrtp_getSelfHelloHash(z->ctx, z->ssrc, buf, sizeof(buf)) != 0)
		return EIO;
	err = zrtp_wire_hash_parse((const char *)buf, strlen((const char *)buf), h);
	return err ? EIO : 0;
}

int zrtp_set_peer_hello_hash(struct zrtp *z, const struct zrtp_hello_hash *h)
{
	char buf[ZRTP_WIRE_HASH_STR_MAX];
	int r;

	if (!z || !h)
		return EINVAL;
	if (z->state == ZRTP_FAILED || z->state == ZRTP_SECURE)
		return ECANCELED;
	/* re-printed from the parsed form: bzrtp's own parser trusts the length it is given */
	if (zrtp_wire_hash_print(buf, sizeof(buf), h) != 0)
		return EINVAL;
	r = lib.bzrtp_setPeerHelloHash(z->ctx, z->ssrc, (uint8_t *)buf, strlen(buf));
	if (r == BZRTP_ERROR_HELLOHASH_MISMATCH) {
		/* bzrtp restarted the channel to wait for a matching Hello; sphone ends it instead */
		z->state = ZRTP_FAILED;
		return EKEYREJECTED;
	}
	return r == 0 ? 0 : EIO;
}

int zrtp_start(struct zrtp *z, uint64_t now_ms)
{
	if (!z)
		return EINVAL;
	if (z->state != ZRTP_IDLE)
		return EALREADY;
	if (lib.bzrtp_startChannelEngine(z->ctx, z->ssrc) != 0)
		return EIO;
	z->state = ZRTP_RUNNING;
	z->deadline = now_ms + ZRTP_HANDSHAKE_MAX_MS;
	(void)lib.bzrtp_iterate(z->ctx, z->ssrc, now_ms);
	deliver(z);
	return 0;
}

int zrtp_recv(struct zrtp *z, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	uint8_t buf[ZRTP_WIRE_MAX];
	int r;

	if (!z || !pkt)
		return EINVAL;
	if (z->state != ZRTP_RUNNING && z->state != ZRTP_SECURE) {
		z->st.dropped++;
		return ECANCELED;
	}
	if (zrtp_wire_classify(pkt, len) != ZRTP_WIRE_ZRTP) {
		z->st.dropped++;
		return EBADMSG;
	}
	/* bzrtp takes a non-const buffer */
	memcpy(buf, pkt, len);
	r = lib.bzrtp_processMessage(z->ctx, z->ssrc, buf, (uint16_t)len);
	if (r == BZRTP_ERROR_HELLOHASH_MISMATCH) {
		z->st.dropped++;
		z->pend_fail = EKEYREJECTED;
		deliver(z);
		return EKEYREJECTED;
	}
	if (r != 0) {
		z->st.dropped++;
		deliver(z);
		return EBADMSG;
	}
	z->st.received++;
	z->peer_heard = true;
	if (zrtp_wire_hello(pkt, len, &z->hello) == 0) {
		z->have_hello = true;
		z->res.peer = z->hello;
	}
	deliver(z);
	return 0;
}

void zrtp_tick(struct zrtp *z, uint64_t now_ms)
{
	if (!z || z->state != ZRTP_RUNNING)
		return;
	(void)lib.bzrtp_iterate(z->ctx, z->ssrc, now_ms);
	if (z->state == ZRTP_RUNNING && !z->pend_secure && !z->pend_fail && now_ms >= z->deadline)
		z->pend_fail = z->peer_heard ? ETIMEDOUT : EPROTONOSUPPORT;
	deliver(z);
}

enum zrtp_state zrtp_state(const struct zrtp *z)
{
	return z ? z->state : ZRTP_FAILED;
}

void zrtp_stats(const struct zrtp *z, struct zrtp_stats *st)
{
	if (z && st)
		*st = z->st;
}

int zrtp_peer_hello(const struct zrtp *z, struct zrtp_wire_hello *h)
{
	if (!z || !h)
		return EINVAL;
	if (!z->have_hello)
		return ENOENT;
	*h = z->hello;
	return 0;
}

int zrtp_sas_confirm(struct zrtp *z, bool verified)
{
	if (!z)
		return EINVAL;
	if (z->state != ZRTP_SECURE)
		return EAGAIN;
	if (!z->cache)
		return ENOTSUP;
	if (verified)
		lib.bzrtp_SASVerified(z->ctx);
	else
		lib.bzrtp_resetSASVerified(z->ctx);
	return 0;
}
