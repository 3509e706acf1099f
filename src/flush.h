/*
 * flush.h - working the queue: retries, listing, removal, expiry, notices.
 *
 * queue.c keeps items on disk; this decides what happens to them.  Every
 * item is sent the way it was first tried: its account is resolved again
 * from the configuration (by the name and the command-line settings it
 * recorded), its envelope and bytes are taken as stored.
 *
 * Retry schedule: after the Nth failed attempt the next one is due in
 * 5 min * 2^(N-1), at most 4 h, each stretched or shrunk at random by up
 * to a fifth so that many items do not retry in lockstep.  An item older
 * than queue_lifetime (5 days) whose attempt fails again is given up.
 */
#ifndef SMTPSEND_FLUSH_H
#define SMTPSEND_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "account.h"
#include "cli.h"
#include "err.h"
#include "queue.h"

#define FLUSH_FIRST_RETRY_S	300
#define FLUSH_MAX_RETRY_S	(4 * 3600)
/* Opportunistic flush after a send: no new item starts after this. */
#define FLUSH_OPPORTUNISTIC_MS	3000

/* Seconds until the next attempt after `attempts` failed ones; r is random. */
long	flush_backoff(int attempts, uint32_t r);

/* The error as one printable line: our words, then the server's. */
void	flush_reason(const struct err *, char *out, size_t size);

/* Opens the queue of account ra (making it), ERR_CONFIG when it has none. */
int	flush_open(const struct run_account *, struct queue **, struct err *);

/* --flush (due items), -q and --flush=all (every item). */
int	flush_queue(const struct options *, struct err *);
/* --queue-list, mailq, -bp; --json for a machine. */
int	flush_list(const struct options *, FILE *, struct err *);
/* --queue-remove ID, --queue-retry ID (makes it due, then flushes it). */
int	flush_remove(const struct options *, struct err *);
int	flush_retry(const struct options *, struct err *);

/*
 * After item sent went out: the due items of the same account and
 * configuration file, for at most FLUSH_OPPORTUNISTIC_MS, silently but
 * for items given up (reported on standard error).
 */
void	flush_opportunistic(const struct options *,
	    const struct queue_meta *sent, struct queue *);

/*
 * Sends item it (locked) now; the outcome is recorded: removed when the
 * server took it, deferred or failed otherwise.  first: this is the try
 * a send makes right after spooling (a permanent refusal then removes the
 * item and is the run's error; a temporary one leaves it queued).
 * Returns 0 when sent, 1 when deferred, 2 when given up, -1 on a local
 * error; e says why for 1, 2 and -1.
 */
int	flush_item(const struct options *, struct queue_item *, bool first,
	    const struct run_account *ra, struct err *);

/* What a run records for a new item. */
void	flush_meta_for_send(struct queue_meta *, const struct options *,
	    const struct run_account *, const char *sender,
	    char *const *rcpts, size_t nrcpts, time_t now);

#endif
