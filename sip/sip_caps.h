/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_caps.h: what sphone's user agent supports, said the same way in every request and response. */
#ifndef SPHONE_SIP_CAPS_H
#define SPHONE_SIP_CAPS_H

/*
 * The methods sphone takes in a dialog and out of one (RFC 3261 20.5): INFO carries DTMF
 * (application/dtmf-relay), UPDATE session refreshes (RFC 3311, RFC 4028), REFER a transfer and
 * NOTIFY its progress (RFC 3515) or the voicemail indicator (RFC 3842 message-summary, in a
 * subscription or unsolicited). REGISTER, INVITE,
 * re-INVITE and the 2xx/OPTIONS answers all list exactly these, so a registrar and a dialog peer
 * learn the same thing (Asterisk picks UPDATE for its session refreshes from this list).
 */
#define SIP_ALLOW_HDR "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY\r\n"
/* The extensions sphone supports (RFC 3261 20.37): session timers (RFC 4028). */
#define SIP_SUPPORTED_HDR "Supported: timer\r\n"
/* The bodies sphone accepts (answers to OPTIONS, RFC 3261 11.2). */
#define SIP_ACCEPT_HDR "Accept: application/sdp\r\n"

#endif
