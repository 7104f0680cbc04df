/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.c: OpenSSL TLS connections (the only file using OpenSSL's TLS/X.509 API) with actionable errors. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "errbuf.h"
#include "tls.h"

/* TLS 1.2 suites: forward secret AEAD only. TLS 1.3 suites are all AEAD; OpenSSL's default list stays. */
static const char tls12_ciphers[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

#define PIN_PREFIX "sha256/"
#define PIN_B64_LEN 44 /* base64 of 32 bytes */

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	bool server;
	bool insecure;
	int min_version;
	char pin[sizeof(PIN_PREFIX) + PIN_B64_LEN];
};

struct tls_conn {
	SSL *ssl;
	bool server;
	bool insecure;
	int min_version;
	char pin[sizeof(PIN_PREFIX) + PIN_B64_LEN];
	char peer[256];           /* as given, brackets stripped */
	int wants;
	bool done;                /* handshake finished */
	bool cert_requested;      /* server sent CertificateRequest and we had no certificate */
	bool pin_checked;
	bool pin_ok;
	bool check_name;          /* a DNS name: checked by check_name() (RFC 5922), not by OpenSSL */
	bool name_checked;
	int verr;                 /* first X.509 verification error seen (0: none) */
	enum tls_fail vfail;      /* its category */
	char vmsg[512];           /* its explanation */
	enum tls_fail fail;
	char err[512];
};

static int conn_ex_idx = -1;

static void conn_fail(struct tls_conn *c, enum tls_fail f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conn_fail(struct tls_conn *c, enum tls_fail f, const char *fmt, ...)
{
	va_list ap;

	if (c->fail != TLS_FAIL_NONE)
		return; /* keep the first, most specific reason */
	c->fail = f;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Last OpenSSL error as "reason" text, then clear the queue. */
static const char *ossl_reason(char *buf, size_t sz)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (r)
		snprintf(buf, sz, "%s", r);
	else if (e)
		snprintf(buf, sz, "OpenSSL error %lu", e);
	else
		snprintf(buf, sz, "unknown error");
	return buf;
}

static int version_of(int v)
{
	return v == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

/* "sha256/" + base64(SHA-256(DER SubjectPublicKeyInfo)) */
static int spki_pin(X509 *cert, char *out, size_t outsz)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned char b64[PIN_B64_LEN + 4];
	int len, err = 0;

	/* the certificate's own SubjectPublicKeyInfo: i2d_PUBKEY would re-encode the key through OpenSSL's
	 * encoder machinery (~3.5M instructions, a millisecond of every registration) */
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len <= 0)
		return EINVAL;
	if (!EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		err = EIO;
		goto out;
	}
	if (EVP_EncodeBlock(b64, md, 32) != PIN_B64_LEN) {
		err = EIO;
		goto out;
	}
	if ((size_t)snprintf(out, outsz, PIN_PREFIX "%s", (char *)b64) >= outsz)
		err = ENOSPC;
 out:
	OPENSSL_free(der);
	return err;
}

static void name_str(X509_NAME *n, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;

	out[0] = '\0';
	if (!b)
		return;
	if (n && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0)
			snprintf(out, outsz, "%.*s", (int)len, p);
	}
	BIO_free(b);
}

static void time_str(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;

	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(out, outsz, "(unknown date)");
}

/* The names a certificate is valid for, "'a', 'b'" (SAN DNS, URI and IP; the CN when there is no SAN). */
static void cert_names(X509 *cert, char *out, size_t outsz)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	int i, n = 0;

	out[0] = '\0';
	for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char one[INET6_ADDRSTRLEN + 2] = "";
		int w;

		if (g->type == GEN_DNS || g->type == GEN_URI) {
			const ASN1_IA5STRING *s = g->type == GEN_DNS ? g->d.dNSName : g->d.uniformResourceIdentifier;
			int l = ASN1_STRING_length(s);
			w = snprintf(out + used, outsz - used, "%s'%.*s'", n ? ", " : "", l > 200 ? 200 : l,
				     (const char *)ASN1_STRING_get0_data(s));
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			int l = ASN1_STRING_length(s);
			if (l == 4)
				inet_ntop(AF_INET, ASN1_STRING_get0_data(s), one, sizeof(one));
			else if (l == 16)
				inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), one, sizeof(one));
			else
				continue;
			w = snprintf(out + used, outsz - used, "%s'%s'", n ? ", " : "", one);
		} else {
			continue;
		}
		if (w < 0 || (size_t)w >= outsz - used) {
			out[used] = '\0';
			break;
		}
		used += (size_t)w;
		n++;
	}
	GENERAL_NAMES_free(gens);
	if (n == 0) {
		char cn[200] = "";
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
		snprintf(out, outsz, "'%s'", cn);
	}
}

/*
 * SIP domain identity (RFC 5922). 7.1: the identities are the subjectAltName's DNS names and the hosts
 * of its URIs with scheme "sip" and no user part (sip:example.com); the CN counts only when there is no
 * subjectAltName at all. (7.1 takes DNS names only when there is no sip: URI; sphone takes both: each is
 * a name the CA vouched for.) 7.2: an identity matches only in its entirety, case-insensitively: no
 * suffix and no wildcard matching, so "*.example.com" names nothing but itself.
 */
static bool same_name(const char *id, size_t il, const char *peer)
{
	if (memchr(id, '\0', il))
		return false; /* "good.test\0.evil.test" */
	while (il > 1 && id[il - 1] == '.')
		il--;
	return il == strlen(peer) && strncasecmp(id, peer, il) == 0;
}

/* The host of a "sip:" URI without a user part, else NULL. */
static const char *sip_uri_host(const char *u, size_t ul, size_t *hl)
{
	size_t e;

	if (ul < 4 || strncasecmp(u, "sip:", 4) != 0 || memchr(u, '@', ul))
		return NULL;
	for (e = 4; e < ul && u[e] != ':' && u[e] != ';' && u[e] != '?'; e++)
		;
	*hl = e - 4;
	return e > 4 ? u + 4 : NULL;
}

/* id has a '*' in its first label and the rest equals peer's: what a web browser would accept. */
static bool wildcard_for(const char *id, size_t il, const char *peer)
{
	const char *dot = memchr(id, '.', il), *pdot = strchr(peer, '.');

	return dot && pdot && memchr(id, '*', (size_t)(dot - id)) &&
	       same_name(dot + 1, il - (size_t)(dot + 1 - id), pdot + 1);
}

/* One identity: a match, or remember it as the wildcard that would have matched. */
static bool one_name(const char *id, size_t il, const char *peer, char *wild, size_t wildsz)
{
	if (same_name(id, il, peer))
		return true;
	if (!wild[0] && wildcard_for(id, il, peer))
		snprintf(wild, wildsz, "%.*s", (int)(il > 200 ? 200 : il), id);
	return false;
}

/* true when cert names peer; else wild gets a wildcard that would have matched, if any. */
static bool check_name(X509 *cert, const char *peer, char *wild, size_t wildsz)
{
	int crit = -1, i;
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	X509_NAME *subj = X509_get_subject_name(cert);
	bool match = false;

	wild[0] = '\0';
	for (i = 0; gens && !match && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *u, *h;
		size_t hl;

		if (g->type == GEN_DNS) {
			match = one_name((const char *)ASN1_STRING_get0_data(g->d.dNSName),
					 (size_t)ASN1_STRING_length(g->d.dNSName), peer, wild, wildsz);
		} else if (g->type == GEN_URI) {
			u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
			h = sip_uri_host(u, (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier), &hl);
			match = h && one_name(h, hl, peer, wild, wildsz);
		}
	}
	GENERAL_NAMES_free(gens);
	if (crit != -1)
		return match; /* there is a subjectAltName (even a broken or empty one): the CN does not count */
	for (i = -1; !match && (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;) {
		unsigned char *cn = NULL;
		int l = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));

		if (l > 0)
			match = one_name((const char *)cn, (size_t)l, peer, wild, wildsz);
		OPENSSL_free(cn);
	}
	return match;
}

/* Describe a verification error for the user: category + sentence. */
static void describe_verr(struct tls_conn *c, int e, int depth, X509 *cert)
{
	char subj[200] = "", iss[200] = "", when[40], names[240];
	const char *what = depth > 0 ? "CA certificate" : "certificate";

	if (cert) {
		name_str(X509_get_subject_name(cert), subj, sizeof(subj));
		name_str(X509_get_issuer_name(cert), iss, sizeof(iss));
	}
	switch (e) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		c->vfail = TLS_FAIL_UNTRUSTED;
		snprintf(c->vmsg, sizeof(c->vmsg),
			 "certificate is self-signed ('%s'), so its issuer is not trusted: "
			 "add it with ca_file (or pin it)", subj);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		c->vfail = TLS_FAIL_UNTRUSTED;
		snprintf(c->vmsg, sizeof(c->vmsg),
			 "certificate issuer is not trusted ('%s' issued by '%s'): add the CA with ca_file",
			 subj, iss);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		c->vfail = TLS_FAIL_EXPIRED;
		time_str(cert ? X509_get0_notAfter(cert) : NULL, when, sizeof(when));
		snprintf(c->vmsg, sizeof(c->vmsg), "%s '%s' expired on %s (notAfter)", what, subj, when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		c->vfail = TLS_FAIL_NOT_YET_VALID;
		time_str(cert ? X509_get0_notBefore(cert) : NULL, when, sizeof(when));
		snprintf(c->vmsg, sizeof(c->vmsg),
			 "%s '%s' is not valid before %s (notBefore): check this computer's clock", what, subj,
			 when);
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		c->vfail = TLS_FAIL_NAME;
		if (cert)
			cert_names(cert, names, sizeof(names));
		else
			snprintf(names, sizeof(names), "another name");
		snprintf(c->vmsg, sizeof(c->vmsg), "certificate is for %s, not for '%s'", names, c->peer);
		break;
	case X509_V_ERR_APPLICATION_VERIFICATION:
		break; /* pin mismatch: message written by the pin check */
	default:
		c->vfail = TLS_FAIL_BAD_CERT;
		snprintf(c->vmsg, sizeof(c->vmsg), "certificate '%s' rejected: %s", subj,
			 X509_verify_cert_error_string(e));
		break;
	}
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = ssl ? SSL_get_ex_data(ssl, conn_ex_idx) : NULL;
	int depth = X509_STORE_CTX_get_error_depth(xs);
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);

	if (!c)
		return preverify_ok;
	if (!preverify_ok && c->verr == 0) {
		c->verr = X509_STORE_CTX_get_error(xs);
		describe_verr(c, c->verr, depth, cert);
	}
	if (depth == 0 && cert && c->check_name && !c->name_checked) {
		char wild[210];

		c->name_checked = true;
		if (!check_name(cert, c->peer, wild, sizeof(wild))) {
			if (c->verr == 0) {
				c->verr = X509_V_ERR_HOSTNAME_MISMATCH;
				describe_verr(c, c->verr, depth, cert);
				if (wild[0]) /* its own reason: the certificate looks right to a web browser */
					snprintf(c->vmsg, sizeof(c->vmsg),
						 "certificate names '%.100s' only by the wildcard '%.100s', and SIP "
						 "accepts no wildcards (RFC 5922 7.2): the server needs a certificate "
						 "that names %.100s itself", c->peer, wild, c->peer);
			}
			X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
			if (!c->insecure)
				return 0;
		}
	}
	if (depth == 0 && cert && c->pin[0] && !c->pin_checked) {
		char got[sizeof(c->pin) + 8];

		c->pin_checked = true;
		c->pin_ok = spki_pin(cert, got, sizeof(got)) == 0 && strcmp(got, c->pin) == 0;
		if (!c->pin_ok) {
			if (c->verr == 0 || c->insecure) {
				c->verr = X509_V_ERR_APPLICATION_VERIFICATION;
				c->vfail = TLS_FAIL_PIN;
				snprintf(c->vmsg, sizeof(c->vmsg),
					 "certificate pin mismatch: expected %s, got %s", c->pin, got);
			}
			X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
			return 0; /* the pin is enforced even when verification is skipped */
		}
	}
	if (c->insecure)
		return 1;
	return preverify_ok;
}

/* Called when the server asks for a certificate and we have none configured. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tls_conn *c = SSL_get_ex_data(ssl, conn_ex_idx);

	if (c)
		c->cert_requested = true;
	return 0; /* continue without a certificate */
}

int tls_ctx_alloc(struct tls_ctx **cp, const struct tls_conf *c, char *err, size_t errsz)
{
	struct tls_ctx *ctx = NULL;
	char why[160];
	long opts;
	int e = 0;

	if (!cp || !c) {
		errbuf_set(err, errsz, "no TLS configuration");
		return EINVAL;
	}
	if (c->min_version != 0 && c->min_version != 12 && c->min_version != 13) {
		errbuf_set(err, errsz, "tls_min_version must be 1.2 or 1.3");
		return EINVAL;
	}
	if (c->server && (!c->cert_file || !c->key_file)) {
		errbuf_set(err, errsz, "a TLS server needs cert_file and key_file");
		return EINVAL;
	}
	if (!c->cert_file != !c->key_file) {
		errbuf_set(err, errsz, "cert_file and key_file must be given together");
		return EINVAL;
	}
	if (c->pin) {
		unsigned char raw[40];
		size_t plen = strlen(c->pin);

		if (plen != strlen(PIN_PREFIX) + PIN_B64_LEN || strncmp(c->pin, PIN_PREFIX, strlen(PIN_PREFIX)) ||
		    EVP_DecodeBlock(raw, (const unsigned char *)c->pin + strlen(PIN_PREFIX), PIN_B64_LEN) != 33 ||
		    c->pin[plen - 1] != '=' || c->pin[plen - 2] == '=') {
			errbuf_set(err, errsz, "pin must look like sha256/BASE64 (SHA-256 of the public key, 44 characters)");
			return EINVAL;
		}
	}
	if (conn_ex_idx < 0) {
		/* OpenSSL serialises index allocation; a second one after a race is harmless */
		int idx = SSL_get_ex_new_index(0, "sphone tls_conn", NULL, NULL, NULL);
		if (idx < 0) {
			errbuf_set(err, errsz, "OpenSSL: cannot allocate ex_data index");
			return ENOMEM;
		}
		conn_ex_idx = idx;
	}

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		errbuf_set(err, errsz, "out of memory");
		return ENOMEM;
	}
	ctx->server = c->server;
	ctx->insecure = c->insecure_skip_verify;
	ctx->min_version = c->min_version ? c->min_version : 12;
	if (c->pin)
		snprintf(ctx->pin, sizeof(ctx->pin), "%s", c->pin);

	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(c->server ? TLS_server_method() : TLS_client_method());
	if (!ctx->ssl_ctx) {
		errbuf_set(err, errsz, "OpenSSL: %s", ossl_reason(why, sizeof(why)));
		e = ENOMEM;
		goto out;
	}
	opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE;
	SSL_CTX_set_options(ctx->ssl_ctx, opts);
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (!SSL_CTX_set_min_proto_version(ctx->ssl_ctx, version_of(ctx->min_version)) ||
	    !SSL_CTX_set_cipher_list(ctx->ssl_ctx, tls12_ciphers)) {
		errbuf_set(err, errsz, "OpenSSL: %s", ossl_reason(why, sizeof(why)));
		e = EIO;
		goto out;
	}

	if (c->ca_file || c->ca_path) {
		const char *what = c->ca_file ? c->ca_file : c->ca_path;

		if (access(what, R_OK) != 0) {
			errbuf_set(err, errsz, "cannot load CA certificates from '%s': %s", what, strerror(errno));
			e = EINVAL;
			goto out;
		}
		if (!SSL_CTX_load_verify_locations(ctx->ssl_ctx, c->ca_file, c->ca_path)) {
			errbuf_set(err, errsz, "cannot load CA certificates from '%s': %s",
				c->ca_file ? c->ca_file : c->ca_path, ossl_reason(why, sizeof(why)));
			e = EINVAL;
			goto out;
		}
	} else if (!c->server && !SSL_CTX_set_default_verify_paths(ctx->ssl_ctx)) {
		errbuf_set(err, errsz, "cannot load the system CA store: %s", ossl_reason(why, sizeof(why)));
		e = EIO;
		goto out;
	}

	if (c->cert_file) {
		const char *unreadable = access(c->cert_file, R_OK) ? c->cert_file :
					 access(c->key_file, R_OK) ? c->key_file : NULL;

		if (unreadable) {
			errbuf_set(err, errsz, "cannot read '%s': %s", unreadable, strerror(errno));
			e = EINVAL;
			goto out;
		}
		if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, c->cert_file) != 1) {
			errbuf_set(err, errsz, "cannot load certificate '%s': %s", c->cert_file,
				ossl_reason(why, sizeof(why)));
			e = EINVAL;
			goto out;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, c->key_file, SSL_FILETYPE_PEM) != 1) {
			if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
				errbuf_set(err, errsz, "private key '%s' does not match certificate '%s'", c->key_file,
					c->cert_file);
			else
				errbuf_set(err, errsz, "cannot load private key '%s': %s", c->key_file,
					ossl_reason(why, sizeof(why)));
			e = EINVAL;
			goto out;
		}
		if (SSL_CTX_check_private_key(ctx->ssl_ctx) != 1) {
			errbuf_set(err, errsz, "private key '%s' does not match certificate '%s'", c->key_file,
				c->cert_file);
			e = EINVAL;
			goto out;
		}
	}

	if (c->server) {
		if (c->require_client_cert)
			SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
		else
			SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, verify_cb);
		if (!c->cert_file)
			SSL_CTX_set_client_cert_cb(ctx->ssl_ctx, client_cert_cb);
	}
 out:
	ERR_clear_error();
	if (e) {
		tls_ctx_free(ctx);
		return e;
	}
	*cp = ctx;
	return 0;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx); /* OpenSSL clears private key material when freeing it */
	free(ctx);
}

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int tls_conn_alloc(struct tls_conn **cp, struct tls_ctx *ctx, int fd, const char *peer_name)
{
	struct tls_conn *c;
	int err = 0;

	if (!cp || !ctx || fd < 0 || (!ctx->server && (!peer_name || !*peer_name)))
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->server = ctx->server;
	c->insecure = ctx->insecure;
	c->min_version = ctx->min_version;
	memcpy(c->pin, ctx->pin, sizeof(c->pin));
	if (peer_name) {
		size_t l = strlen(peer_name);

		if (l >= 2 && peer_name[0] == '[' && peer_name[l - 1] == ']') {
			peer_name++;
			l -= 2;
		}
		while (l > 1 && peer_name[l - 1] == '.') /* "example.com." */
			l--;
		if (l >= sizeof(c->peer)) {
			err = EINVAL;
			goto out;
		}
		memcpy(c->peer, peer_name, l);
		c->peer[l] = '\0';
	}

	ERR_clear_error();
	c->ssl = SSL_new(ctx->ssl_ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, fd) || !SSL_set_ex_data(c->ssl, conn_ex_idx, c)) {
		err = ENOMEM;
		goto out;
	}
	if (c->server) {
		SSL_set_accept_state(c->ssl);
	} else {
		SSL_set_connect_state(c->ssl);
		if (is_ip_literal(c->peer)) {
			if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->peer)) {
				err = EINVAL;
				goto out;
			}
		} else {
			/* the name is checked in verify_cb (RFC 5922: sip: URIs, no wildcards), not by OpenSSL */
			c->check_name = true;
			if (!SSL_set_tlsext_host_name(c->ssl, c->peer)) {
				err = EINVAL;
				goto out;
			}
		}
	}
	c->wants = TLS_WANT_WRITE;
 out:
	ERR_clear_error();
	if (err) {
		tls_conn_free(c);
		return err;
	}
	*cp = c;
	return 0;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl); /* does not close the fd: the caller owns it */
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static const char *peer_label(const struct tls_conn *c)
{
	return c->peer[0] ? c->peer : "the peer";
}

/* Turn an SSL_get_error() result into an errno and, on failure, a reason. */
static int map_error(struct tls_conn *c, int ret, int saved_errno, bool handshake)
{
	int se = SSL_get_error(c->ssl, ret);
	unsigned long e;
	int reason;
	char why[160];

	switch (se) {
	case SSL_ERROR_WANT_READ:
		c->wants = TLS_WANT_READ;
		return EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->wants = TLS_WANT_WRITE;
		return EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		conn_fail(c, TLS_FAIL_CLOSED, "%s closed the connection%s", peer_label(c),
			  handshake ? " during the TLS handshake" : "");
		return EPIPE;
	case SSL_ERROR_SYSCALL:
		if (saved_errno == ECONNREFUSED) {
			conn_fail(c, TLS_FAIL_REFUSED, "connection refused by %s (nothing listens on that port?)",
				  peer_label(c));
			return ECONNREFUSED;
		}
		if (saved_errno == ECONNRESET || saved_errno == EPIPE) {
			if (c->cert_requested)
				conn_fail(c, TLS_FAIL_CLIENT_CERT,
					  "%s requires a client certificate: set tls_cert and tls_key in the account", peer_label(c));
			conn_fail(c, TLS_FAIL_RESET, "connection reset by %s%s", peer_label(c),
				  handshake ? " during the TLS handshake" : "");
			return ECONNRESET;
		}
		if (saved_errno == 0 || saved_errno == EAGAIN) {
			conn_fail(c, TLS_FAIL_CLOSED, "%s closed the connection%s", peer_label(c),
				  handshake ? " during the TLS handshake" : "");
			return EPIPE;
		}
		/* an established connection that breaks is "lost", not "failed" (e.g. ECONNABORTED: ss -K) */
		conn_fail(c, TLS_FAIL_OTHER, "connection to %s %s: %s", peer_label(c),
			  handshake ? "failed during the TLS handshake" : "lost", strerror(saved_errno));
		return saved_errno ? saved_errno : EIO;
	default:
		break;
	}

	/* SSL_ERROR_SSL: a protocol failure. The first verification error explains most. */
	e = ERR_peek_last_error();
	reason = ERR_GET_REASON(e);
	if (c->verr != 0 && (!c->insecure || c->verr == X509_V_ERR_APPLICATION_VERIFICATION)) {
		conn_fail(c, c->vfail, "%s", c->vmsg);
		return EPROTO;
	}
	switch (reason) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_UNKNOWN_SSL_VERSION:
		if (c->server)
			conn_fail(c, TLS_FAIL_VERSION, "client offers no TLS %s or newer",
				  c->min_version == 13 ? "1.3" : "1.2");
		else if (c->min_version == 13)
			conn_fail(c, TLS_FAIL_VERSION,
				  "protocol version: %s does not offer TLS 1.3, and tls_min_version = 1.3 "
				  "(set 1.2 if the server only speaks TLS 1.2)", peer_label(c));
		else
			conn_fail(c, TLS_FAIL_VERSION,
				  "protocol version: %s offers no TLS 1.2 or newer (it may only speak TLS 1.0/1.1, "
				  "which are insecure and refused)", peer_label(c));
		break;
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
		conn_fail(c, TLS_FAIL_CLIENT_CERT,
			  "%s requires a client certificate: set tls_cert and tls_key in the account", peer_label(c));
		break;
	case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
		conn_fail(c, TLS_FAIL_CLIENT_CERT, "client sent no certificate, but one is required");
		break;
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
		if (c->cert_requested)
			conn_fail(c, TLS_FAIL_CLIENT_CERT,
				  "%s requires a client certificate: set tls_cert and tls_key in the account", peer_label(c));
		else
			conn_fail(c, TLS_FAIL_OTHER,
				  "TLS handshake with %s failed: no common cipher suite or parameters", peer_label(c));
		break;
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
		if (c->server)
			conn_fail(c, TLS_FAIL_BAD_CERT, "client rejected our certificate: %s",
				  ossl_reason(why, sizeof(why)));
		else
			conn_fail(c, TLS_FAIL_CLIENT_CERT, "%s rejected our client certificate: %s", peer_label(c),
				  ossl_reason(why, sizeof(why)));
		break;
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_RECORD_LENGTH_MISMATCH:
	case SSL_R_HTTP_REQUEST:
		conn_fail(c, TLS_FAIL_OTHER, "%s does not speak TLS on this port (is it a plain TCP/UDP port?)",
			  peer_label(c));
		break;
	case SSL_R_UNEXPECTED_EOF_WHILE_READING:
		if (handshake && c->cert_requested)
			conn_fail(c, TLS_FAIL_CLIENT_CERT,
				  "%s requires a client certificate: set tls_cert and tls_key in the account", peer_label(c));
		conn_fail(c, handshake ? TLS_FAIL_CLOSED : TLS_FAIL_RESET, "%s closed the connection%s",
			  peer_label(c), handshake ? " during the TLS handshake" : " without a TLS close_notify");
		ERR_clear_error();
		return handshake ? EPIPE : ECONNRESET;
	default:
		conn_fail(c, TLS_FAIL_OTHER, "TLS %s %s failed: %s", handshake ? "handshake with" : "connection to",
			  peer_label(c), ossl_reason(why, sizeof(why)));
		break;
	}
	ERR_clear_error();
	return EPROTO;
}

int tls_conn_handshake(struct tls_conn *c)
{
	int ret, se;

	if (!c)
		return EINVAL;
	if (c->done)
		return 0;
	if (c->fail != TLS_FAIL_NONE)
		return EPROTO;
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(c->ssl);
	se = errno;
	if (ret == 1) {
		c->done = true;
		c->wants = 0;
		return 0;
	}
	return map_error(c, ret, se, true);
}

int tls_conn_wants(const struct tls_conn *c)
{
	return c ? c->wants : 0;
}

int tls_conn_read(struct tls_conn *c, void *buf, size_t n, size_t *got)
{
	size_t g = 0;
	int ret, se;

	if (!c || !buf || !got)
		return EINVAL;
	if (c->fail != TLS_FAIL_NONE)
		return c->fail == TLS_FAIL_CLOSED ? EPIPE : EPROTO;
	if (n == 0) {
		*got = 0;
		return 0;
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_read_ex(c->ssl, buf, n, &g);
	se = errno;
	if (ret == 1) {
		c->wants = 0;
		*got = g;
		return 0;
	}
	return map_error(c, ret, se, !c->done);
}

int tls_conn_write(struct tls_conn *c, const void *buf, size_t n, size_t *put)
{
	size_t p = 0;
	int ret, se;

	if (!c || (!buf && n) || !put)
		return EINVAL;
	if (c->fail != TLS_FAIL_NONE)
		return c->fail == TLS_FAIL_CLOSED ? EPIPE : EPROTO;
	if (n == 0) {
		*put = 0;
		return 0;
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_write_ex(c->ssl, buf, n, &p);
	se = errno;
	if (ret == 1) {
		c->wants = 0;
		*put = p;
		return 0;
	}
	return map_error(c, ret, se, !c->done);
}

void tls_conn_shutdown(struct tls_conn *c)
{
	if (!c || !c->done || c->fail != TLS_FAIL_NONE)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

void tls_conn_set_timeout(struct tls_conn *c, unsigned ms)
{
	if (!c)
		return;
	if (c->cert_requested)
		conn_fail(c, TLS_FAIL_CLIENT_CERT, "%s requires a client certificate: set tls_cert and tls_key in the account",
			  peer_label(c));
	conn_fail(c, TLS_FAIL_TIMEOUT, "TLS handshake with %s timed out after %u ms", peer_label(c), ms);
}

const char *tls_conn_error(const struct tls_conn *c)
{
	return c ? c->err : "";
}

enum tls_fail tls_conn_fail(const struct tls_conn *c)
{
	return c ? c->fail : TLS_FAIL_OTHER;
}

static void fingerprint(X509 *cert, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	size_t used = 0;

	out[0] = '\0';
	if (!X509_digest(cert, EVP_sha256(), md, &len))
		return;
	for (i = 0; i < len && used + 3 < outsz; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%02X", i ? ":" : "", md[i]);
}

int tls_conn_info(const struct tls_conn *c, struct tls_info *info)
{
	struct tls_info in;
	X509 *cert;
	long vr;

	if (!c || !info)
		return EINVAL;
	if (!c->done)
		return EAGAIN;
	memset(&in, 0, sizeof(in));
	snprintf(in.version, sizeof(in.version), "%s", SSL_get_version(c->ssl));
	snprintf(in.cipher, sizeof(in.cipher), "%s", SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
	cert = SSL_get1_peer_certificate(c->ssl);
	if (cert) {
		name_str(X509_get_subject_name(cert), in.peer_subject, sizeof(in.peer_subject));
		name_str(X509_get_issuer_name(cert), in.peer_issuer, sizeof(in.peer_issuer));
		fingerprint(cert, in.fingerprint_sha256, sizeof(in.fingerprint_sha256));
		(void)spki_pin(cert, in.spki_pin, sizeof(in.spki_pin));
		X509_free(cert);
	}
	vr = SSL_get_verify_result(c->ssl);
	if (c->insecure) {
		in.verified = false;
		if (c->verr)
			snprintf(in.verify_note, sizeof(in.verify_note),
				 "NOT VERIFIED (tls_insecure_skip_verify): %.86s", c->vmsg);
		else if (c->pin[0] && c->pin_ok)
			snprintf(in.verify_note, sizeof(in.verify_note),
				 "NOT VERIFIED: tls_insecure_skip_verify is set (the public key pin matches)");
		else
			snprintf(in.verify_note, sizeof(in.verify_note),
				 "NOT VERIFIED: tls_insecure_skip_verify is set");
	} else if (!cert) {
		in.verified = false;
		snprintf(in.verify_note, sizeof(in.verify_note), "peer sent no certificate");
	} else if (vr == X509_V_OK) {
		in.verified = true;
		snprintf(in.verify_note, sizeof(in.verify_note), "%s%s",
			 c->server ? "client certificate chain verified" : "chain and host name verified",
			 c->pin[0] ? ", public key pin matches" : "");
	} else {
		in.verified = false;
		snprintf(in.verify_note, sizeof(in.verify_note), "NOT VERIFIED: %s",
			 X509_verify_cert_error_string(vr));
	}
	*info = in;
	return 0;
}

int tls_pin_of_file(const char *pem_file, char *pin, size_t pinsz)
{
	FILE *f;
	X509 *cert;
	int err;

	if (!pem_file || !pin)
		return EINVAL;
	f = fopen(pem_file, "r");
	if (!f)
		return errno;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!cert)
		return EBADMSG;
	err = spki_pin(cert, pin, pinsz);
	X509_free(cert);
	return err;
}
