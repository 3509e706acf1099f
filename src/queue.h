/*
 * queue.h - the local queue: a directory where messages wait, durably.
 *
 * An item is two files: ID.msg, the message exactly as it will be sent
 * (fix-ups done, written once), and ID.env, its envelope and state
 * ("Key: value" lines, replaced atomically when it changes).  ID.env is
 * the item's existence: it is renamed into place last when an item is
 * made and unlinked first when it is done, so a crash at any point
 * leaves either a complete item or none (an ID.msg without its ID.env is
 * left-over work, removed by the next flush once it is old).  Every
 * write is followed by fsync of the file, and every rename or unlink by
 * fsync of the directory.  Files are 0600, directories 0700.
 *
 * Sending an item takes a lock on its ID.msg (flock, never blocking), so
 * two flushers, or a flusher and a new send, never send it twice.  The
 * delivery guarantee is at least once: a crash between the server's 250
 * and the removal of ID.env sends the message again on the next flush.
 */
#ifndef SMTPSEND_QUEUE_H
#define SMTPSEND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define QUEUE_ID_MAX	64

/* What an item records besides the message. */
struct queue_meta {
	char		 id[QUEUE_ID_MAX];
	char		*config;	/* -C FILE (absolute), or NULL */
	char		*account;	/* account name, or NULL (--host runs) */
	char		**settings;	/* "key=value" from the command line */
	size_t		 nsettings;
	char		*sender;
	char		**rcpts;
	size_t		 nrcpts;
	char		*dsn_notify;
	char		*dsn_return;
	char		*envid;
	time_t		 created;
	time_t		 next;		/* next attempt */
	int		 attempts;
	uint64_t	 size;		/* bytes of ID.msg */
	int		 body;		/* 7 or 8 (bit octets seen), 0 unknown */
	bool		 smtputf8;	/* UTF-8 in an address or the header */
	char		*last_error;	/* one line, or NULL */
};

void	queue_meta_init(struct queue_meta *);
void	queue_meta_release(struct queue_meta *);

struct queue;

/* Opens (making it if needed, mode 0700) the queue directory. */
int	queue_open(struct queue **, const char *dir, struct err *);
void	queue_close(struct queue *);

/* Writing a new item: begin, write the message, commit with its meta. */
struct queue_writer;

int	queue_begin(struct queue *, struct queue_writer **, struct err *);
int	queue_write(struct queue_writer *, const void *, size_t, struct err *);
/*
 * Makes the item durable and visible; fills meta->id and meta->size.
 * With item non-NULL the new item comes back locked (the lock is taken
 * before the item is visible, so no flusher can take it first).
 */
struct queue_item;
int	queue_commit(struct queue_writer *, struct queue_meta *,
	    struct queue_item **item, struct err *);
/* Throws away an uncommitted item. */
void	queue_abort(struct queue_writer *);

/* One item, locked for sending. */

/*
 * Locks item id.  Returns 0 (locked), 1 (someone else has it, or it is
 * gone: skip it) or -1 (error).
 */
int	queue_lock(struct queue *, const char *id, struct queue_item **,
	    struct err *);
/* The message, positioned at its start. */
int	queue_item_fd(struct queue_item *);
struct queue_meta *queue_item_meta(struct queue_item *);
/* Delivered (or refused for good by the first try): the item goes, ID.env first. */
int	queue_item_done(struct queue_item *, struct err *);
/* Not yet: records the attempt, the reason and the next time. */
int	queue_item_defer(struct queue_item *, const char *why, time_t next,
	    struct err *);
/* Given up: moved to failed/ with the reason. */
int	queue_item_fail(struct queue_item *, const char *why, struct err *);
/* Where its ID.msg is now (malloc'd). */
char	*queue_item_path(const struct queue_item *);
void	queue_item_release(struct queue_item *);

/* Every item (unlocked reads), oldest first; failed/ ones with failed. */
int	queue_list(struct queue *, bool failed, struct queue_meta **, size_t *,
	    struct err *);
/* Removes item id (unless it is being sent: then 1); -1 if there is none. */
int	queue_remove(struct queue *, const char *id, struct err *);
/* Makes item id due now; 1 when it is being sent, -1 if there is none. */
int	queue_make_due(struct queue *, const char *id, struct err *);
/* Checks that id looks like one of ours (no '/', no dot files). */
bool	queue_id_valid(const char *id);
void	queue_list_free(struct queue_meta *, size_t);
/*
 * Removes left-overs of crashed runs: an ID.msg without its ID.env older
 * than an hour (never one that is locked), an ID.env whose ID.msg went
 * to failed/, stale files in tmp/.
 */
void	queue_sweep(struct queue *);
/* The same with another age than an hour (seconds; for the tests). */
void	queue_sweep_after(struct queue *, long age);

/* Parsing of ID.env text, exposed for the unit test and the fuzzer. */
int	queue_meta_parse(const char *text, size_t len, struct queue_meta *,
	    struct err *);
/* Formatting; the result is malloc'd. */
char	*queue_meta_format(const struct queue_meta *);

#endif
