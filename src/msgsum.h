/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgsum.h: the RFC 3842 message-summary body (voicemail waiting and counts), parsed with bounds. */
#ifndef SPHONE_MSGSUM_H
#define SPHONE_MSGSUM_H

#include <stdbool.h>
#include <stddef.h>

/* A body longer than this is refused: a summary is a few short lines. */
#define MSGSUM_MAX_BODY 8192
/* Counts above this are refused (no mailbox holds a million messages; a parser must not overflow). */
#define MSGSUM_MAX_COUNT 999999

/* One message-context-class line (RFC 3842 5.2, RFC 3458): new/old (new-urgent/old-urgent). */
struct msgsum_counts {
	bool present;
	unsigned new_msgs, old_msgs;
	unsigned new_urgent, old_urgent;
};

struct msgsum {
	bool waiting;                /* Messages-Waiting: yes */
	char account[256];           /* Message-Account (the mailbox URI), "" if absent or too long */
	struct msgsum_counts voice;  /* Voice-Message */
	struct msgsum_counts other;  /* the sum of the other classes (fax, pager, multimedia, text, none) */
};

/*
 * Parses body[0..len): "Messages-Waiting: yes|no" first, then optionally "Message-Account: URI" and
 * one line per message class, then optional extension headers after an empty line; header names
 * case-insensitive, whitespace around the colon, CRLF or LF line ends. A class named twice, an
 * unknown header before the empty line and unknown classes are skipped (RFC 3842 says to ignore what
 * is not understood); a line too long (over 1024 bytes) and text after the headers likewise.
 * 0, EBADMSG (no or a bad Messages-Waiting line, a bad count, more than MSGSUM_MAX_BODY bytes) with *s
 * unspecified.
 */
int msgsum_parse(const char *body, size_t len, struct msgsum *s);

#endif
