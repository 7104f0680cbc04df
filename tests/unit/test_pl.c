/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pl.c: pointer+length slices: tokens, numbers, comparison, trimming. */
#include <errno.h>
#include <string.h>

#include "pl.h"
#include "../tap.h"

static bool is(struct pl p, const char *s)
{
	return p.p && p.l == strlen(s) && memcmp(p.p, s, p.l) == 0;
}

static void test_token(void)
{
	struct pl rest = pl_str("  IN\tIP4  192.0.2.1 "), t;

	t = pl_token(&rest);
	ok(is(t, "IN"), "leading blanks skipped, first token");
	t = pl_token(&rest);
	ok(is(t, "IP4"), "a tab separates too");
	t = pl_token(&rest);
	ok(is(t, "192.0.2.1"), "third token");
	is_int(rest.l, 0, "trailing blanks consumed");
	t = pl_token(&rest);
	ok(t.p && t.l == 0, "at the end: an empty token");

	rest = pl_str("a\r\nb");
	t = pl_token(&rest);
	ok(is(t, "a\r\nb"), "only SP and HT separate (CR/LF are the line's business)");
	rest = PL_NULL;
	t = pl_token(&rest);
	ok(!t.p && !t.l, "absent in, absent out");
}

static void test_u64(void)
{
	uint64_t v = 7;

	is_int(pl_to_u64(pl_str("0"), 19, &v), 0, "0");
	ok(v == 0, "... is 0");
	is_int(pl_to_u64(pl_str("18446744073709551615"), 20, &v), EINVAL, "20 digits do not fit");
	is_int(pl_to_u64(pl_str("9999999999999999999"), 19, &v), 0, "19 digits fit");
	ok(v == UINT64_C(9999999999999999999), "... exactly");
	v = 7;
	is_int(pl_to_u64(pl_str("123"), 2, &v), EINVAL, "more digits than allowed");
	ok(v == 7, "... and *v untouched");
	is_int(pl_to_u64(pl_str(""), 5, &v), EINVAL, "empty");
	is_int(pl_to_u64(pl_str("12a"), 5, &v), EINVAL, "a letter");
	is_int(pl_to_u64(pl_str("-1"), 5, &v), EINVAL, "a sign");
	is_int(pl_to_u64(pl_str(" 1"), 5, &v), EINVAL, "a blank");
	is_int(pl_to_u64(PL_NULL, 5, &v), EINVAL, "absent");
	is_int(pl_to_u64(pl_str("123456789012345678901234567890"), 39, NULL), 0,
	       "with no out-parameter only the form counts: 30 digits");
	is_int(pl_to_u64(pl_str("12345678901234567890123456789012345678901"), 39, NULL), EINVAL,
	       "... but not more than allowed");
}

static void test_basics(void)
{
	uint32_t v;

	ok(pl_eq_case(pl_str("Via"), "VIA") && !pl_eq_str(pl_str("Via"), "VIA"), "case-insensitive and exact");
	is_int(pl_to_u32(pl_str("4294967296"), &v), ERANGE, "u32 overflow");
	ok(is(pl_trim(pl_str(" \tx \r\n")), "x"), "trim");
	is_int(pl_chr(pl_str("a=b"), '='), 1, "chr");
	ok(is(pl_sub(pl_str("abc"), 1, 9), "bc"), "sub clipped");
}

int main(void)
{
	test_token();
	test_u64();
	test_basics();
	return tap_done();
}
