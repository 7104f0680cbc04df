/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_stun.c: libFuzzer target for STUN decoding (src/stun.c): hostile datagrams on a media or STUN socket. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sa.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A slice lies inside the input (or is absent). */
static void check_pl(struct pl p, const uint8_t *data, size_t size)
{
	if (!p.p)
		return;
	if ((const uint8_t *)p.p < data || (const uint8_t *)p.p + p.l > data + size)
		abort();
}

/* A decoded address encodes back and decodes to the same address. */
static void check_addr(const struct sockaddr_storage *ss, uint16_t type, const uint8_t *tid)
{
	uint8_t buf[64];
	struct stun_enc e;
	struct stun_msg m;
	struct wbuf w;
	const struct sockaddr_storage *got;

	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		abort();
	wbuf_init_static(&w, buf, sizeof(buf));
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
	stun_enc_addr(&e, type, (const struct sockaddr *)ss);
	if (stun_enc_end(&e, true) != 0 || stun_decode(&m, buf, w.len) != 0)
		abort();
	got = type == STUN_ATTR_XOR_MAPPED_ADDRESS ? &m.xor_mapped : &m.mapped;
	if (!sa_equal((const struct sockaddr *)got, (const struct sockaddr *)ss))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	size_t i;
	bool is = stun_is_msg(data, size);

	if (stun_decode(&m, data, size) != 0)
		return 0;
	/* decoding implies the demultiplexing check, and covers the whole datagram */
	if (!is || m.len != size || m.method > 0x0FFF || (unsigned)m.cls > 3)
		abort();
	if (memcmp(m.tid, data + 8, STUN_TID_LEN) != 0)
		abort();
	check_pl(m.software, data, size);
	check_pl(m.username, data, size);
	check_pl(m.realm, data, size);
	check_pl(m.nonce, data, size);
	check_pl(m.error_reason, data, size);
	if (m.error_code && (m.error_code < 300 || m.error_code > 699))
		abort();
	if (m.has_integrity && (m.integrity_off < STUN_HDR_LEN || m.integrity_off + 24 > size))
		abort();
	if (m.n_unknown > STUN_MAX_UNKNOWN)
		abort();
	for (i = 0; i < m.n_unknown; i++)
		if (m.unknown[i] >= 0x8000)
			abort();
	if (m.has_xor_mapped)
		check_addr(&m.xor_mapped, STUN_ATTR_XOR_MAPPED_ADDRESS, m.tid);
	if (m.has_mapped)
		check_addr(&m.mapped, STUN_ATTR_MAPPED_ADDRESS, m.tid);
	return 0;
}
