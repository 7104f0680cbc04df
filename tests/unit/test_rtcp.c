/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rtcp.c: RTCP compound build/parse (exact bytes, bounds), RTT per RFC 3550 6.4.1, CNAME. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "rtcp.h"
#include "../tap.h"

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static void test_build_sr(void)
{
	struct rtcp_report r;
	struct rtcp_info in;
	uint8_t buf[256], want[256];
	size_t n, wl;
	int bad;

	memset(&r, 0, sizeof(r));
	r.ssrc = 0x11223344;
	r.sender = true;
	r.sr = (struct rtcp_sr_info){ 0xe1234567, 0x80000000, 0x00010000, 100, 16000 };
	r.rb_count = 1;
	r.rb[0] = (struct rtcp_rb){ 0xaabbccdd, 64, -5, 0x0001fffe, 37, 0x45678000, 0x00018000 };
	r.cname = "abc";
	is_int(rtcp_build(buf, sizeof(buf), &r, &n), 0, "build SR + SDES");
	wl = unhex(want,
		   /* SR: V=2 RC=1 PT=200 length 12 */
		   "81c8000c 11223344 e1234567 80000000 00010000 00000064 00003e80"
		   /* report block: fraction 64, cum lost -5 (24-bit), ext seq, jitter, LSR, DLSR */
		   "aabbccdd 40fffffb 0001fffe 00000025 45678000 00018000"
		   /* SDES: SC=1 PT=202 length 3; CNAME "abc", END */
		   "81ca0003 11223344 01036162 63000000");
	ok(n == wl && memcmp(buf, want, wl) == 0, "SR + SDES bytes exactly as RFC 3550 6.4.1/6.5 lay them out");

	is_int(rtcp_parse(&in, buf, n), 0, "parse it back");
	ok(in.has_sr && !in.has_rr && in.sr_ssrc == 0x11223344, "SR and its SSRC");
	ok(in.sr.ntp_sec == 0xe1234567 && in.sr.ntp_frac == 0x80000000 && in.sr.rtp_ts == 0x10000 &&
		   in.sr.packets == 100 && in.sr.octets == 16000,
	   "sender info");
	is_int(in.rb_count, 1, "one report block");
	is_int(in.rb[0].cum_lost, -5, "negative cumulative loss survives 24 bits");
	ok(in.rb[0].ssrc == 0xaabbccdd && in.rb[0].fraction_lost == 64 && in.rb[0].ext_max_seq == 0x1fffe &&
		   in.rb[0].jitter == 37 && in.rb[0].lsr == 0x45678000 && in.rb[0].dlsr == 0x18000,
	   "report block fields");
	ok(in.has_cname && in.cname_ssrc == 0x11223344, "CNAME present for the SSRC");
	is_str(in.cname, "abc", "CNAME text");
	ok(!in.bye, "no BYE");

	bad = 0;
	for (size_t cap = 0; cap < n; cap++) {
		size_t m = 0;
		if (rtcp_build(buf, cap, &r, &m) != ENOBUFS)
			bad++;
	}
	is_int(bad, 0, "every too-small buffer -> ENOBUFS");

	r.rb[0].cum_lost = 0x800000;
	is_int(rtcp_build(buf, sizeof(buf), &r, &n), EINVAL, "cum_lost beyond 24 bits rejected");
	r.rb[0].cum_lost = 0;
	r.cname = "";
	is_int(rtcp_build(buf, sizeof(buf), &r, &n), EINVAL, "empty CNAME rejected");
}

static void test_rr_bye(void)
{
	struct rtcp_report r;
	struct rtcp_info in;
	uint8_t buf[512];
	size_t n;
	char cname[RTCP_CNAME_LEN + 1];
	int bad;

	memset(&r, 0, sizeof(r));
	is_int(rtcp_cname_random(cname, sizeof(cname)), 0, "random CNAME");
	r.ssrc = 0x01020304;
	r.rb_count = 2;
	r.rb[0].ssrc = 5;
	r.rb[1].ssrc = 6;
	r.rb[1].cum_lost = 0x7FFFFF;
	r.cname = cname;
	r.bye = true;
	r.bye_reason = "hangup";
	is_int(rtcp_build(buf, sizeof(buf), &r, &n), 0, "build RR + SDES + BYE");
	is_int(n, 8 + 48 + 36 + 16, "RR(56) + SDES(36) + BYE(16) bytes");
	is_int(rtcp_parse(&in, buf, n), 0, "parse RR + SDES + BYE");
	ok(in.has_rr && !in.has_sr && in.rr_ssrc == 0x01020304, "RR with its SSRC");
	is_int(in.rb_count, 2, "two report blocks");
	is_int(in.rb[1].cum_lost, 0x7FFFFF, "largest positive loss");
	is_str(in.cname, cname, "random CNAME back");
	ok(in.bye && in.bye_count == 1 && in.bye_ssrc[0] == 0x01020304, "BYE for the SSRC");
	is_str(in.bye_reason, "hangup", "BYE reason");

	/* truncations: only cuts at packet boundaries can parse */
	bad = 0;
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *cp = malloc(cut ? cut : 1);
		memcpy(cp, buf, cut);
		int e = rtcp_parse(&in, cp, cut);
		if (e == 0 && cut != 56 && cut != 92)
			bad++;
		if (e != 0 && (cut == 56 || cut == 92))
			bad++;
		free(cp);
	}
	is_int(bad, 0, "every truncation fails except at the packet boundaries 56 and 92");

	/* random single-byte corruptions: parse must stay inside the buffer (ASan checks) */
	srand(7);
	for (int i = 0; i < 20000; i++) {
		uint8_t *cp = malloc(n);
		memcpy(cp, buf, n);
		cp[rand() % (int)n] = (uint8_t)rand();
		cp[rand() % (int)n] = (uint8_t)rand();
		rtcp_parse(&in, cp, n);
		free(cp);
	}
	ok(1, "20000 corrupted packets parsed without a fault");
}

static void test_bad(void)
{
	struct rtcp_info in;
	uint8_t b[128];
	size_t n;

	n = unhex(b, "81ca0003 11223344 01036162 63000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "compound starting with SDES rejected");
	n = unhex(b, "41c90001 11223344");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "version 1 rejected");
	n = unhex(b, "80c90002 11223344");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "length beyond the datagram rejected");
	n = unhex(b, "80c90001 11223344 00");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "stray byte after the last packet rejected");
	n = unhex(b, "81c90001 11223344");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "RC=1 without the block rejected");
	n = unhex(b, "a0c90002 11223344 00000004");
	is_int(rtcp_parse(&in, b, n), 0, "padding of 4 on the last packet accepted");
	n = unhex(b, "a0c90002 11223344 00000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "padding count 0 rejected");
	n = unhex(b, "a0c90002 11223344 00000009");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "padding beyond the packet rejected");
	n = unhex(b, "a0c90002 11223344 00000004 81ca0003 11223344 01036162 63000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "padding on a packet that is not last rejected");
	n = unhex(b, "80c90001 11223344 81ca0003 11223344 01096162 63000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "SDES item longer than its packet rejected");
	n = unhex(b, "80c90001 11223344 81ca0002 11223344 01036162");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "SDES chunk without END rejected");
	n = unhex(b, "80c90001 11223344 82ca0003 11223344 01036162 63000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "SDES count beyond its chunks rejected");
	n = unhex(b, "80c90001 11223344 81cb0002 11223344 09616263");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "BYE reason longer than its packet rejected");
	n = unhex(b, "80c90001 11223344 83cb0002 11223344 00000000");
	is_int(rtcp_parse(&in, b, n), EBADMSG, "BYE count beyond its packet rejected");
	n = unhex(b, "80c90001 11223344 80cc0002 11223344 41424344");
	is_int(rtcp_parse(&in, b, n), 0, "APP after RR accepted and skipped");
	is_int(in.other, 1, "... counted as other");
	n = unhex(b, "80c8000100000001");
	is_int(rtcp_parse(&in, b, 8), EBADMSG, "SR shorter than its sender info rejected");
	is_int(rtcp_parse(&in, b, 3), EBADMSG, "3 bytes rejected");
}

static void test_time(void)
{
	uint32_t rtt, s, f;

	/* RFC 3550 6.4.1 figure: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000 */
	is_int(rtcp_rtt(0xb7108000u, 0xb7052000u, 0x00054000u, &rtt), 0, "RFC 3550 RTT example");
	is_int(rtt, 0x00062000, "RTT = 0x0006:2000 (6.125 s)");
	is_int(rtcp_rtt(0xb7108000u, 0, 0, &rtt), ENODATA, "LSR 0: no RTT");
	is_int(rtcp_rtt(0xb7058000u, 0xb7052000u, 0x00054000u, &rtt), ERANGE, "negative RTT refused");
	is_int(rtcp_rtt(0x00001000u, 0xfffff000u, 0x00001000u, &rtt), 0, "RTT across the 32-bit roll");
	is_int(rtt, 0x1000, "... correct");
	is_int(rtcp_ntp_mid(0x12345678, 0x9abcdef0), 0x56789abc, "middle 32 bits of NTP time");
	is_int(rtcp_dlsr_from_us(5250000), 0x00054000, "5.25 s = 0x0005:4000");
	rtcp_ntp_now(&s, &f);
	ok(s > 3900000000u, "NTP seconds after 2023 (%u)", s);
}

static void test_cname(void)
{
	char a[RTCP_CNAME_LEN + 1], b[RTCP_CNAME_LEN + 1], small[8];
	int hexok = 1;

	rtcp_cname_random(a, sizeof(a));
	rtcp_cname_random(b, sizeof(b));
	is_int(strlen(a), RTCP_CNAME_LEN, "CNAME length");
	for (size_t i = 0; a[i]; i++)
		hexok &= (a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f');
	ok(hexok, "CNAME is hex only (no user or host part)");
	ok(strcmp(a, b) != 0, "two CNAMEs differ");
	is_int(rtcp_cname_random(small, sizeof(small)), EINVAL, "short buffer refused");
}

int main(void)
{
	test_build_sr();
	test_rr_bye();
	test_bad();
	test_time();
	test_cname();
	return tap_done();
}
