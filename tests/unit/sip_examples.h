/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_examples.h: RFC 3261 example messages the SIP message and framing tests share. */
#ifndef SPHONE_TEST_SIP_EXAMPLES_H
#define SPHONE_TEST_SIP_EXAMPLES_H

/* RFC 3261 24.1 (REGISTER) and 24.2 F1 (INVITE) */
static const char reg[] =
	"REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
	"Max-Forwards: 70\r\n"
	"From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
	"To: Bob <sips:bob@biloxi.example.com>\r\n"
	"Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sips:bob@client.biloxi.example.com>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char inv[] =
	"INVITE sips:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
	"To: Bob <sips:bob@biloxi.example.com>\r\n"
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sips:alice@client.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 151\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

#endif
