/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_digest.c: libFuzzer target for the Digest challenge parser and what consumes its output. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int chal_h(const struct sip_auth_chal *ch, void *arg)
{
	struct sip_auth_req req = {
		.method = "REGISTER", .uri = "sip:127.0.0.1", .body = "x", .body_len = 1,
		.cnonce = "0123456789abcdef", .nc = 1,
	};
	char hex[SIP_AUTH_HEX_SIZE];
	struct wbuf w;

	(void)arg;
	/* parsed values are NUL-terminated within their arrays */
	if (strnlen(ch->realm, sizeof(ch->realm)) == sizeof(ch->realm) ||
	    strnlen(ch->nonce, sizeof(ch->nonce)) == sizeof(ch->nonce) ||
	    strnlen(ch->opaque, sizeof(ch->opaque)) == sizeof(ch->opaque) || ch->nonce[0] == '\0')
		abort();
	if (sip_auth_response(hex, ch, "user", "pw", &req) != 0)
		abort();
	wbuf_init(&w, 0);
	if (sip_auth_print_value(&w, ch, "user", "pw", &req) != 0)
		abort();
	wbuf_free(&w);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size heap copy so ASan catches any read past the slice */
	char *copy = malloc(size ? size : 1);
	struct pl pl = {copy, size};
	struct sip_auth *auth = NULL;
	int err;

	if (!copy)
		return 0;
	memcpy(copy, data, size);

	err = sip_auth_chal_parse(pl, chal_h, NULL);
	if (err != 0 && err != EBADMSG)
		abort();

	/* the same bytes through the account state: twice, as WWW and proxy challenges */
	if (sip_auth_alloc(&auth, "user", "pw") == 0) {
		struct wbuf w;

		sip_auth_begin(auth);
		sip_auth_add(auth, false, pl);
		sip_auth_add(auth, true, pl);
		if (sip_auth_commit(auth, true, false) == 0) {
			wbuf_init(&w, 0);
			if (sip_auth_print(auth, &w, "INVITE", "sip:a@127.0.0.1", NULL, 0) != 0)
				abort();
			wbuf_free(&w);
			sip_auth_begin(auth);
			sip_auth_add(auth, false, pl);
			sip_auth_commit(auth, true, false);
		}
		sip_auth_free(auth);
	}
	free(copy);
	return 0;
}
