/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_errbuf.c: the error-message buffer: printed, cut, or left alone when there is none. */
#include <string.h>

#include "errbuf.h"
#include "../tap.h"

int main(void)
{
	char err[8];

	errbuf_set(err, sizeof(err), "%s %d", "no", 1);
	is_str(err, "no 1", "printed");
	errbuf_set(err, sizeof(err), "%s", "a long message");
	is_str(err, "a long ", "cut to the buffer and NUL-terminated");
	memcpy(err, "keep", 5);
	errbuf_set(err, 0, "%s", "x");
	is_str(err, "keep", "size 0: nothing written");
	errbuf_set(NULL, 8, "%s", "x");
	ok(1, "NULL buffer: nothing written, no crash");
	return tap_done();
}
