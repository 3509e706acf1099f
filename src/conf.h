/*
 * conf.h - the configuration language of msmtp, parsed from text.
 *
 * This module is pure: it does no I/O.  The caller reads a file and hands
 * over its text; "~" is expanded with the home directory the caller gives;
 * the msmtp "eval" command runs through a hook the caller supplies.
 *
 * The language (msmtp(1) "CONFIGURATION FILES"): one command per line,
 * blank lines and lines whose first non-blank character is '#' ignored;
 * "defaults" sets values for the accounts that follow in the same file;
 * "account NAME" or "account NAME : PARENT[,PARENT...]" starts an account
 * that begins with the current defaults and then inherits every setting
 * that its parents set explicitly, in list order.  An argument may be
 * enclosed in double quotes, which are removed; there are no escapes, so
 * "a\b" is a, backslash, b.  An argument that opens a quote without
 * closing it at its end is an error.  Lines have no length limit.
 * As in msmtp, settings before the first "account" or "defaults" line
 * open an account named "default" (the form of msmtp 1.2 files).
 *
 * Every setting remembers whether it was set explicitly and where
 * (file and line), so inheritance copies only what was written and later
 * errors can point at the line that asked for something.
 */
#ifndef SMTPSEND_CONF_H
#define SMTPSEND_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* One constant per configuration key; the order is the --pretend order. */
/* How long a queued message is retried before it is given up. */
#define QUEUE_LIFETIME_DEFAULT_S	(5 * 86400)

enum conf_key {
	K_HOST,
	K_PORT,
	K_SOURCE_IP,
	K_PROXY_HOST,
	K_PROXY_PORT,
	K_SOCKET,
	K_TIMEOUT,
	K_PROTOCOL,
	K_DOMAIN,
	K_AUTH,
	K_USER,
	K_PASSWORD,
	K_PASSWORDEVAL,
	K_NTLMDOMAIN,
	K_TLS,
	K_TLS_STARTTLS,
	K_TLS_TRUST_FILE,
	K_TLS_CRL_FILE,
	K_TLS_FINGERPRINT,
	K_TLS_KEY_FILE,
	K_TLS_CERT_FILE,
	K_TLS_CERTCHECK,
	K_TLS_PRIORITIES,
	K_TLS_HOST_OVERRIDE,
	K_TLS_MIN_DH_PRIME_BITS,
	K_FROM,
	K_FROM_FULL_NAME,
	K_ALLOW_FROM_OVERRIDE,
	K_DSN_NOTIFY,
	K_DSN_RETURN,
	K_SET_FROM_HEADER,
	K_SET_DATE_HEADER,
	K_SET_MSGID_HEADER,
	K_REMOVE_BCC_HEADERS,
	K_UNDISCLOSED_RECIPIENTS,
	K_LOGFILE,
	K_LOGFILE_TIME_FORMAT,
	K_SYSLOG,
	K_ALIASES,
	K_AUTO_FROM,
	K_MAILDOMAIN,
	K_QUALIFY_DOMAIN,
	K_QUALIFY_HEADERS,
	K_QUEUE,
	K_QUEUE_DIR,
	K_QUEUE_LIFETIME,
	K_QUEUE_NOTIFY,
	K_COUNT
};

enum tristate { TRI_AUTO, TRI_ON, TRI_OFF };
enum protocol { PROTO_SMTP, PROTO_LMTP };
enum queue_mode { QUEUE_OFF, QUEUE_ON, QUEUE_ALWAYS };

struct conf_origin {
	const char	*file;		/* borrowed from the conf; NULL if unset */
	unsigned	 line;		/* 0 for the command line */
	bool		 from_defaults;	/* came from a "defaults" section */
};

/*
 * One account.  Strings are owned by the account (NULL = unset or empty,
 * except where noted); numbers are 0 when unset.  A setting a "defaults"
 * section supplied is set, with from_defaults in its origin; such settings
 * are not passed on to child accounts ("account B : A" takes only what A
 * set itself or inherited from its own parents), as in msmtp, so the
 * defaults of one file never override those of another.  Defaults that
 * hold before anything is set are those of account_init(); they differ
 * from msmtp's where msmtp's are unsafe (TLS on, certificate check on,
 * finite timeout).
 */
struct account {
	char		*name;
	bool		 set[K_COUNT];		/* given explicitly */
	struct conf_origin origin[K_COUNT];	/* where, when set */

	char		*host;
	int		 port;			/* 0: 587, or 465 with implicit TLS */
	char		*source_ip;
	char		*proxy_host;
	int		 proxy_port;
	char		*socket;
	int		 timeout;		/* seconds; 0 = built-in default */
	enum protocol	 protocol;
	char		*domain;		/* EHLO argument */
	char		*auth;			/* NULL = off; "on"; or a mechanism, lower case */
	char		*user;
	char		*password;		/* secret */
	char		*passwordeval;
	char		*ntlmdomain;
	bool		 tls;			/* default on */
	bool		 tls_starttls;		/* default on */
	char		*tls_trust_file;	/* NULL = "system"; "" = no CA */
	char		*tls_crl_file;
	char		*tls_fingerprint;
	char		*tls_key_file;
	char		*tls_cert_file;
	bool		 tls_certcheck;		/* default on */
	char		*tls_priorities;
	char		*tls_host_override;
	int		 tls_min_dh_prime_bits;
	char		*from;			/* may be a pattern; "" = <> */
	char		*from_full_name;
	bool		 allow_from_override;	/* default on */
	char		*dsn_notify;		/* NULL = off */
	char		*dsn_return;		/* NULL = off */
	enum tristate	 set_from_header;	/* default auto */
	bool		 set_date_header;	/* default on ("auto") */
	bool		 set_msgid_header;	/* default on ("auto") */
	bool		 remove_bcc_headers;	/* default on */
	bool		 undisclosed_recipients; /* default off */
	char		*logfile;		/* "-" = standard output */
	char		*logfile_time_format;
	char		*syslog;		/* NULL = off, else facility name */
	char		*aliases;
	bool		 auto_from;
	char		*maildomain;
	char		*qualify_domain;	/* for addresses without "@" */
	bool		 qualify_headers;	/* also in To, Cc, From (default off) */
	enum queue_mode	 queue;			/* default on */
	char		*queue_dir;		/* NULL: the default place */
	int		 queue_lifetime;	/* seconds */
	char		*queue_notify;		/* address or "|command"; NULL = none */
};

/*
 * Hook for msmtp's "eval CMD": stores the first line of CMD's output in
 * *line, allocated with malloc(); conf_parse() wipes and frees it.  On
 * failure it returns -1 with the error set.
 */
typedef int conf_eval_fn(void *ctx, const char *cmd, char **line,
    struct err *);

struct conf_source {
	const char	*file;		/* name used in messages */
	const char	*home;		/* for "~" expansion; NULL = no expansion */
	conf_eval_fn	*eval;		/* NULL = "eval" is a configuration error */
	void		*eval_ctx;
};

struct conf {
	struct account	**accounts;	/* in the order they were defined */
	size_t		  naccounts;
	char		**files;	/* file names, owned; origins point here */
	size_t		  nfiles;
	bool		  has_password;	/* set by the last conf_parse() */
};

void	conf_init(struct conf *);
void	conf_release(struct conf *);

/*
 * Parses one file's text (len bytes; NUL bytes are an error).  Accounts of
 * a later file replace same-named accounts of an earlier one (the user file
 * overrides the system file, as in msmtp); parents may name accounts of an
 * earlier file; a replacing account keeps the old one's place in the
 * order.  Errors are ERR_CONFIG (a failed eval keeps the hook's kind)
 * with text "FILE:LINE: what"; on error the conf is left as it was.
 * Sets conf->has_password when the text itself (not the output of an
 * "eval") sets a non-empty "password".
 */
int	conf_parse(struct conf *, const char *text, size_t len,
	    const struct conf_source *, struct err *);

/* The account of that name, or NULL. */
struct account *conf_find(const struct conf *, const char *name);

void	account_init(struct account *);		/* built-in defaults, nothing set */
void	account_release(struct account *);
/* Copies into dst every setting that src set explicitly. */
void	account_inherit(struct account *dst, const struct account *src);
/* A deep copy of src (name included). */
struct account *account_dup(const struct account *src);

/*
 * Applies one setting by its configuration-file name (obsolete msmtp names
 * such as add_missing_from_header or tls_nocertcheck included).  "where"
 * prefixes any error ("FILE:LINE" or "--tls-starttls").  The origin is
 * recorded as (file, line).  Values are checked here: an invalid value is
 * ERR_CONFIG.  home expands a leading "~" in file-name settings.
 */
int	conf_set(struct account *, const char *key, const char *value,
	    const char *where, const char *file, unsigned line,
	    const char *home, struct err *);

/* Key table access, for --pretend and for mapping options to keys. */
const char	*conf_key_name(enum conf_key);
/* K_COUNT when name is not a key (obsolete names map to their key). */
enum conf_key	 conf_key_lookup(const char *name);
/*
 * Writes the account's value for key into out (cut at size) as the
 * configuration file would spell it ("on", "587", "auto", ...).  Secrets
 * (password) are shown as "*" when set.  Returns out.
 */
const char	*conf_format_value(const struct account *, enum conf_key,
		    char *out, size_t size);

#endif
