/*
 * transcript.h - the --debug view of a session.
 *
 * Lines the client sends are shown as "--> LINE", lines the server sends
 * as "<-- LINE", and notes of our own as "--- TEXT".  Octets outside
 * printable ASCII are shown as \xNN, so neither a server nor a message
 * can drive the terminal.  Secrets are never handed to this module: the
 * caller passes the part that may be seen and transcript_secret() prints
 * "[redacted]" in place of the rest, which is what "redacted at the
 * source" means.  The message body is summarised (size and lines) unless
 * TR_BODY asks for it.  A NULL transcript means "off": every function
 * then does nothing, so callers need no checks.
 */
#ifndef SMTPSEND_TRANSCRIPT_H
#define SMTPSEND_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TR_BODY	0x1		/* show the message body, line by line */

struct transcript;

struct transcript *transcript_new(FILE *out, unsigned flags);
void	transcript_free(struct transcript *);

/* One line received from the server, without its line end. */
void	transcript_in(struct transcript *, const char *line, size_t len);
/* Bytes sent to the server: one or more CRLF-terminated lines. */
void	transcript_out(struct transcript *, const char *data, size_t len);
/* A command whose argument is secret: "--> VISIBLE [redacted]". */
void	transcript_secret(struct transcript *, const char *visible);
/* Message body bytes as sent (shown only with TR_BODY). */
void	transcript_body(struct transcript *, const char *data, size_t len);
void	transcript_body_summary(struct transcript *, uint64_t bytes,
	    uint64_t lines);
void	transcript_note(struct transcript *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
bool	transcript_shows_body(const struct transcript *);

#endif
