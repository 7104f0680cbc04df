/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.h: TLS over a caller-owned non-blocking socket, with failures explained in words a user can act on. */
#ifndef SPHONE_TLS_H
#define SPHONE_TLS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Settings for one TLS context (one per account, or one per listening transport).
 * Client side: the peer is verified against the system CA store, or ca_file/ca_path when given;
 * cert_file/key_file are an optional client certificate (mutual TLS).
 * Server side (server = true): cert_file/key_file are required; with require_client_cert the
 * client must present a certificate that chains to ca_file/ca_path.
 */
struct tls_conf {
	const char *ca_file, *ca_path;  /* NULL: system default store */
	int min_version;                /* 12 (default, also when 0) or 13 */
	const char *cert_file, *key_file;
	const char *pin;                /* "sha256/BASE64" of the peer's SubjectPublicKeyInfo, or NULL */
	bool insecure_skip_verify;      /* accept any certificate; tls_info then says verified=false */
	bool server;
	bool require_client_cert;       /* server only */
};

struct tls_ctx;
struct tls_conn;

/* What a failed (or refused) connection ran into: tls_conn_fail(). */
enum tls_fail {
	TLS_FAIL_NONE = 0,
	TLS_FAIL_UNTRUSTED,       /* unknown CA or self-signed */
	TLS_FAIL_EXPIRED,
	TLS_FAIL_NOT_YET_VALID,
	TLS_FAIL_NAME,            /* certificate is for another host name / IP address */
	TLS_FAIL_BAD_CERT,        /* other chain problems (bad signature, wrong purpose, ...) */
	TLS_FAIL_PIN,
	TLS_FAIL_VERSION,         /* no common protocol version */
	TLS_FAIL_CLIENT_CERT,     /* the server wants a client certificate (or rejected ours) */
	TLS_FAIL_TIMEOUT,         /* set by the caller's timer through tls_conn_set_timeout() */
	TLS_FAIL_REFUSED,
	TLS_FAIL_RESET,
	TLS_FAIL_CLOSED,          /* orderly close during the handshake / not TLS at all */
	TLS_FAIL_OTHER,
};

/* tls_conn_wants(): what the connection waits for after EAGAIN */
enum { TLS_WANT_READ = 1, TLS_WANT_WRITE = 2 };

struct tls_info {
	char version[16];            /* "TLSv1.3" */
	char cipher[64];             /* "TLS_AES_256_GCM_SHA384" */
	char peer_subject[256];      /* RFC 2253 form, "" when the peer sent no certificate */
	char peer_issuer[256];
	char fingerprint_sha256[100];/* "AB:CD:..." of the peer certificate (DER) */
	char spki_pin[64];           /* "sha256/BASE64" of the peer's public key: what `pin` expects */
	bool verified;               /* chain + name (+ pin) checked and good */
	char verify_note[128];       /* how it was verified, or why it is NOT verified */
};

/* Make a context. On failure returns EINVAL/ENOMEM/EIO and writes a readable reason to err. */
int tls_ctx_alloc(struct tls_ctx **cp, const struct tls_conf *c, char *err, size_t errsz);
void tls_ctx_free(struct tls_ctx *ctx);

/*
 * Start a connection on fd (connected or connecting, non-blocking; the caller keeps owning and closes it).
 * peer_name: the host as the user gave it. A DNS name is sent as SNI and checked against the certificate's
 * DNS names; an IP literal (v4, v6, "[v6]") is checked against IP address SANs, no SNI. NULL on the server
 * side. The connection may outlive its tls_ctx.
 */
int tls_conn_alloc(struct tls_conn **cp, struct tls_ctx *ctx, int fd, const char *peer_name);
void tls_conn_free(struct tls_conn *c);

/* Drive the handshake: 0 done, EAGAIN (see tls_conn_wants), else failure (see tls_conn_error). */
int tls_conn_handshake(struct tls_conn *c);
/* After EAGAIN from any call: TLS_WANT_READ and/or TLS_WANT_WRITE */
int tls_conn_wants(const struct tls_conn *c);

/*
 * Read up to n bytes. 0 with *got > 0; EAGAIN when nothing is ready; EPIPE when the peer closed
 * (close_notify or EOF); ECONNRESET on reset; EPROTO on a TLS error (see tls_conn_error).
 * Records are buffered inside: after a readable event, read until EAGAIN.
 */
int tls_conn_read(struct tls_conn *c, void *buf, size_t n, size_t *got);
/*
 * Write up to n bytes, *put says how many went (may be fewer). After EAGAIN call again with the same
 * bytes (the buffer may move).
 */
int tls_conn_write(struct tls_conn *c, const void *buf, size_t n, size_t *put);
/* Send close_notify, best effort (never blocks). */
void tls_conn_shutdown(struct tls_conn *c);

/* The caller's handshake timer fired: record it as the failure reason. */
void tls_conn_set_timeout(struct tls_conn *c, unsigned ms);

/* Why the connection failed, as one sentence ("" when it did not fail). */
const char *tls_conn_error(const struct tls_conn *c);
enum tls_fail tls_conn_fail(const struct tls_conn *c);

/* After a successful handshake: version, cipher, peer certificate, verification status. */
int tls_conn_info(const struct tls_conn *c, struct tls_info *info);

/* Pin of a PEM certificate file ("sha256/BASE64"), for configuration help and tests. */
int tls_pin_of_file(const char *pem_file, char *pin, size_t pinsz);

#endif
