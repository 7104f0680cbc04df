/* ua.h: the user agent: accounts with their transports and registrations, commands in, events out. */
#ifndef SPHONE_UA_H
#define SPHONE_UA_H

#include <stdbool.h>
#include <stddef.h>

struct account_conf;
struct event;
struct loop;

/*
 * Every event the UA reports (JSON-able records, see event.h): registering,
 * registered, registration_failed, unregistered, status, error. The event is
 * valid only during the call.
 */
typedef void(ua_event_h)(const struct event *ev, void *arg);
typedef void(ua_done_h)(void *arg);

struct ua;

/*
 * A UA for the accounts of conf (which must outlive it); only_account limits
 * it to one account by name (NULL: all). Sets up TLS contexts and the SIP
 * transport; nothing is sent until ua_register. 0, ENOENT (no such account,
 * or no account at all), EINVAL (an account's TLS settings are unusable: err
 * says why), ENOMEM.
 */
int ua_alloc(struct ua **up, struct loop *l, struct account_conf *conf, const char *only_account,
	     ua_event_h *eh, void *arg, char *err, size_t errsz);
/* Stops everything at once (no un-REGISTER: use ua_shutdown first). NULL-safe. */
void ua_free(struct ua *ua);

/* Registers account (NULL: every account with register = yes). 0 or ENOENT. */
int ua_register(struct ua *ua, const char *account);
/* Un-REGISTERs account (NULL: all); "unregistered" follows. 0 or ENOENT. */
int ua_unregister(struct ua *ua, const char *account);
/* One "status" event per account. */
void ua_status(struct ua *ua);
/*
 * Un-REGISTERs every account (waiting at most timeout_ms), then calls done
 * from the loop (never from inside ua_shutdown). Commands are refused after it.
 */
int ua_shutdown(struct ua *ua, unsigned timeout_ms, ua_done_h *done, void *arg);

/*
 * Runs one command line ("register [ACCOUNT]", "unregister [ACCOUNT]",
 * "status", ...) through the dispatch table. Problems are reported as an
 * "error" event (command, message) as well as returned: 0, ENOENT (unknown
 * command or account), ENOSYS (a command of a later feature), EINVAL (bad
 * arguments), ESHUTDOWN (shutting down). "quit" is the front end's.
 */
int ua_command(struct ua *ua, const char *line);

/* The names ua_command knows (NULL-terminated), for help and completion. */
const char *const *ua_commands(void);

#endif
