/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_msgsum.c: libFuzzer target for the RFC 3842 message-summary parser (a NOTIFY body from the server). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msgsum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgsum s;

	if (msgsum_parse((const char *)data, size, &s) == 0) {
		/* what the UI and the events rely on */
		if (strnlen(s.account, sizeof(s.account)) >= sizeof(s.account))
			abort();
		if (s.voice.new_msgs > MSGSUM_MAX_COUNT || s.voice.old_msgs > MSGSUM_MAX_COUNT ||
		    s.voice.new_urgent > MSGSUM_MAX_COUNT || s.voice.old_urgent > MSGSUM_MAX_COUNT)
			abort();
		if (size > MSGSUM_MAX_BODY)
			abort();
	}
	return 0;
}
