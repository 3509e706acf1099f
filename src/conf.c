/*
 * conf.c - the msmtp configuration language: one key table, typed
 * setters, the line parser, sections and inheritance.
 *
 * Nothing here does I/O (see conf.h).  The language follows msmtp 1.8
 * (src/conf.c, read_conffile() and get_next_cmd()); where smtpsend departs
 * from it, the comment at that spot says so and why.
 *
 * Bounds: the caller bounds the text (it read the file with a ceiling) and
 * the eval hook bounds its output; every allocation here is a copy of a
 * piece of one of them, so nothing grows without a bound of its own.
 */
#include <config.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "wipe.h"
#include "err.h"
#include "nls.h"
#include "xalloc.h"

/* How a key's argument is read. */
enum ktype {
	T_STR,			/* free text */
	T_FILE,			/* file name: a leading "~" becomes home */
	T_TRUST,		/* tls_trust_file: "system" is NULL, "" stays */
	T_INT,			/* decimal in [min, max] */
	T_DURATION,		/* seconds: N, Ns, Nm, Nh, Nd in [min, max] */
	T_CHOICE,		/* one word of a table; "" may be one of them */
	T_AUTH,			/* on | off | a SASL mechanism name */
	T_DSN_NOTIFY,		/* off | never | failure,delay,success */
	T_FINGERPRINT,		/* hex pairs */
	T_IGNORE		/* accepted, no effect */
};

/* How the value is stored in struct account. */
enum kstore { S_STR, S_INT, S_BOOL, S_TRI, S_PROTO, S_QUEUE };

#define F_NEEDARG	0x01	/* an empty argument is an error */
#define F_KEEPEMPTY	0x02	/* an empty argument is stored as "" */
#define F_OFF		0x04	/* T_INT: "off" means 0 */
#define F_NOARG		0x08	/* any argument is an error */
#define F_SECRET	0x10	/* shown as "*" */

struct choice {
	const char	*word;		/* "" matches an empty argument */
	int		 value;
	const char	*str;		/* stored by S_STR keys; NULL = unset */
};

struct keydef {
	const char		*name;
	enum conf_key		 key;		/* K_COUNT: accepted, ignored */
	enum ktype		 type;
	enum kstore		 store;
	size_t			 off;		/* into struct account */
	unsigned		 flags;
	long			 min, max;	/* T_INT */
	const struct choice	*choices;	/* T_CHOICE, NULL-terminated */
	const char		*expect;	/* what a valid value is */
	const char		*unset;		/* how NULL or 0 is spelled */
};

/*
 * msmtp's rule: a command that accepts "on" takes an empty argument as
 * "on" (msmtp(1), CONFIGURATION FILES).  In the tables below the word ""
 * carries that rule; a table without it makes the argument mandatory.
 * Words compare case-sensitively, as msmtp's strcmp() does.  When a value
 * is printed, the first non-empty word with that value is used.
 */
static const struct choice bool_words[] = {
	{ "", 1, NULL }, { "on", 1, NULL }, { "off", 0, NULL },
	{ NULL, 0, NULL }
};
static const struct choice from_header_words[] = {
	{ "", TRI_ON, NULL }, { "auto", TRI_AUTO, NULL },
	{ "on", TRI_ON, NULL }, { "off", TRI_OFF, NULL },
	{ NULL, 0, NULL }
};
/* set_date_header, set_msgid_header: no "on"; empty keeps the default. */
static const struct choice auto_off_words[] = {
	{ "", 1, NULL }, { "auto", 1, NULL }, { "off", 0, NULL },
	{ NULL, 0, NULL }
};
static const struct choice protocol_words[] = {
	{ "smtp", PROTO_SMTP, NULL }, { "lmtp", PROTO_LMTP, NULL },
	{ NULL, 0, NULL }
};
static const struct choice queue_words[] = {
	{ "", QUEUE_ON, NULL }, { "off", QUEUE_OFF, NULL },
	{ "on", QUEUE_ON, NULL }, { "always", QUEUE_ALWAYS, NULL },
	{ NULL, 0, NULL }
};
/* The facility names are listed before "on" so they are what is printed. */
static const struct choice syslog_words[] = {
	{ "", 0, "LOG_USER" }, { "off", 0, NULL },
	{ "LOG_USER", 0, "LOG_USER" }, { "LOG_MAIL", 0, "LOG_MAIL" },
	{ "LOG_LOCAL0", 0, "LOG_LOCAL0" }, { "LOG_LOCAL1", 0, "LOG_LOCAL1" },
	{ "LOG_LOCAL2", 0, "LOG_LOCAL2" }, { "LOG_LOCAL3", 0, "LOG_LOCAL3" },
	{ "LOG_LOCAL4", 0, "LOG_LOCAL4" }, { "LOG_LOCAL5", 0, "LOG_LOCAL5" },
	{ "LOG_LOCAL6", 0, "LOG_LOCAL6" }, { "LOG_LOCAL7", 0, "LOG_LOCAL7" },
	{ "on", 0, "LOG_USER" },
	{ NULL, 0, NULL }
};
/* "hdrs" is sendmail's spelling, which msmtp accepts for -R. */
static const struct choice dsn_return_words[] = {
	{ "off", 0, NULL }, { "headers", 0, "headers" },
	{ "hdrs", 0, "headers" }, { "full", 0, "full" },
	{ NULL, 0, NULL }
};
/* Obsolete spellings, mapped onto the keys that replaced them. */
static const struct choice add_from_words[] = {
	{ "", TRI_AUTO, NULL }, { "on", TRI_AUTO, NULL },
	{ "off", TRI_OFF, NULL },
	{ NULL, 0, NULL }
};
static const struct choice keepbcc_words[] = {	/* remove = !keep */
	{ "", 0, NULL }, { "on", 0, NULL }, { "off", 1, NULL },
	{ NULL, 0, NULL }
};
static const struct choice noarg_off_words[] = {	/* tls_no* */
	{ "", 0, NULL },
	{ NULL, 0, NULL }
};
/*
 * msmtp 1.8.23 has no set_to_header; later versions have
 * "set_to_header on|off|undisclosed_recipients".  Only the two spellings
 * whose meaning is certain are accepted: "on" (add a To header) has no
 * counterpart here and must not be read as undisclosed_recipients, which
 * would drop the mail's real To and Cc headers.
 */
static const struct choice to_header_words[] = {
	{ "off", 0, NULL }, { "undisclosed_recipients", 1, NULL },
	{ NULL, 0, NULL }
};

#define OFF(f)	offsetof(struct account, f)
#define KSTR(n, k, f, fl) { .name = (n), .key = (k), .type = T_STR,	\
	.store = S_STR, .off = OFF(f), .flags = (fl) }
#define KFILE(n, k, f) { .name = (n), .key = (k), .type = T_FILE,	\
	.store = S_STR, .off = OFF(f) }
#define KTYPED(n, k, t, f, fl, ex, un) { .name = (n), .key = (k),	\
	.type = (t), .store = S_STR, .off = OFF(f), .flags = (fl),	\
	.expect = (ex), .unset = (un) }
#define KINT(n, k, f, fl, lo, hi, un) { .name = (n), .key = (k),	\
	.type = T_INT, .store = S_INT, .off = OFF(f), .flags = (fl),	\
	.min = (lo), .max = (hi), .unset = (un) }
#define KDURATION(n, k, f, lo, hi) { .name = (n), .key = (k),	\
	.type = T_DURATION, .store = S_INT, .off = OFF(f), .flags = F_NEEDARG,\
	.min = (lo), .max = (hi) }
#define KCHOICE(n, k, st, f, fl, ch, ex) { .name = (n), .key = (k),	\
	.type = T_CHOICE, .store = (st), .off = OFF(f), .flags = (fl),	\
	.choices = (ch), .expect = (ex) }
#define KBOOL(n, k, f)							\
	KCHOICE(n, k, S_BOOL, f, 0, bool_words, N_("on or off"))

/*
 * The key table.  The first K_COUNT rows are in enum conf_key order, so
 * keytab[k] is key k's row; obsolete names follow.  The timeout range is
 * ours: msmtp allows any positive int, but a day is already absurd for a
 * mail submission and a bound keeps later arithmetic safe.
 */
static const struct keydef keytab[] = {
	KSTR("host", K_HOST, host, F_NEEDARG),
	KINT("port", K_PORT, port, F_NEEDARG, 1, 65535, NULL),
	KSTR("source_ip", K_SOURCE_IP, source_ip, 0),
	KSTR("proxy_host", K_PROXY_HOST, proxy_host, 0),
	KINT("proxy_port", K_PROXY_PORT, proxy_port, 0, 1, 65535, NULL),
	KFILE("socket", K_SOCKET, socket),
	KINT("timeout", K_TIMEOUT, timeout, F_NEEDARG | F_OFF, 1, 86400,
	    "off"),
	KCHOICE("protocol", K_PROTOCOL, S_PROTO, protocol, 0,
	    protocol_words, N_("smtp or lmtp")),
	KSTR("domain", K_DOMAIN, domain, 0),
	KTYPED("auth", K_AUTH, T_AUTH, auth, 0,
	    N_("on, off or a mechanism name"), "off"),
	KSTR("user", K_USER, user, 0),
	KSTR("password", K_PASSWORD, password, F_SECRET),
	KSTR("passwordeval", K_PASSWORDEVAL, passwordeval, 0),
	KSTR("ntlmdomain", K_NTLMDOMAIN, ntlmdomain, 0),
	KBOOL("tls", K_TLS, tls),
	KBOOL("tls_starttls", K_TLS_STARTTLS, tls_starttls),
	KTYPED("tls_trust_file", K_TLS_TRUST_FILE, T_TRUST, tls_trust_file,
	    0, NULL, "system"),
	KFILE("tls_crl_file", K_TLS_CRL_FILE, tls_crl_file),
	KTYPED("tls_fingerprint", K_TLS_FINGERPRINT, T_FINGERPRINT,
	    tls_fingerprint, 0,
	    N_("a SHA256, SHA1 or MD5 fingerprint like 01:23:...:EF"), NULL),
	KFILE("tls_key_file", K_TLS_KEY_FILE, tls_key_file),
	KFILE("tls_cert_file", K_TLS_CERT_FILE, tls_cert_file),
	KBOOL("tls_certcheck", K_TLS_CERTCHECK, tls_certcheck),
	KSTR("tls_priorities", K_TLS_PRIORITIES, tls_priorities, 0),
	KSTR("tls_host_override", K_TLS_HOST_OVERRIDE, tls_host_override, 0),
	KINT("tls_min_dh_prime_bits", K_TLS_MIN_DH_PRIME_BITS,
	    tls_min_dh_prime_bits, 0, 1, 65536, NULL),
	/* msmtp keeps an empty from: it is the null reverse-path <>. */
	KSTR("from", K_FROM, from, F_KEEPEMPTY),
	KSTR("from_full_name", K_FROM_FULL_NAME, from_full_name, 0),
	KBOOL("allow_from_override", K_ALLOW_FROM_OVERRIDE,
	    allow_from_override),
	KTYPED("dsn_notify", K_DSN_NOTIFY, T_DSN_NOTIFY, dsn_notify,
	    F_NEEDARG, N_("off, never or a list of failure,delay,success"),
	    "off"),
	KCHOICE("dsn_return", K_DSN_RETURN, S_STR, dsn_return, 0,
	    dsn_return_words, N_("off, headers or full")),
	KCHOICE("set_from_header", K_SET_FROM_HEADER, S_TRI, set_from_header,
	    0, from_header_words, N_("auto, on or off")),
	KCHOICE("set_date_header", K_SET_DATE_HEADER, S_BOOL, set_date_header,
	    0, auto_off_words, N_("auto or off")),
	KCHOICE("set_msgid_header", K_SET_MSGID_HEADER, S_BOOL,
	    set_msgid_header, 0, auto_off_words, N_("auto or off")),
	KBOOL("remove_bcc_headers", K_REMOVE_BCC_HEADERS, remove_bcc_headers),
	KBOOL("undisclosed_recipients", K_UNDISCLOSED_RECIPIENTS,
	    undisclosed_recipients),
	KFILE("logfile", K_LOGFILE, logfile),
	KSTR("logfile_time_format", K_LOGFILE_TIME_FORMAT,
	    logfile_time_format, 0),
	KCHOICE("syslog", K_SYSLOG, S_STR, syslog, 0, syslog_words,
	    N_("on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7")),
	KFILE("aliases", K_ALIASES, aliases),
	KBOOL("auto_from", K_AUTO_FROM, auto_from),
	KSTR("maildomain", K_MAILDOMAIN, maildomain, 0),
	KSTR("qualify_domain", K_QUALIFY_DOMAIN, qualify_domain, 0),
	KBOOL("qualify_headers", K_QUALIFY_HEADERS, qualify_headers),
	KCHOICE("queue", K_QUEUE, S_QUEUE, queue, 0, queue_words,
	    N_("off, on or always")),
	KFILE("queue_dir", K_QUEUE_DIR, queue_dir),
	/* A minute to a year: shorter cannot outlive one retry. */
	KDURATION("queue_lifetime", K_QUEUE_LIFETIME, queue_lifetime, 60,
	    366L * 86400),
	KSTR("queue_notify", K_QUEUE_NOTIFY, queue_notify, 0),

	/* Obsolete names that msmtp still accepts. */
	KINT("connect_timeout", K_TIMEOUT, timeout, F_NEEDARG | F_OFF, 1,
	    86400, "off"),
	KCHOICE("add_missing_from_header", K_SET_FROM_HEADER, S_TRI,
	    set_from_header, 0, add_from_words, N_("on or off")),
	KCHOICE("add_missing_date_header", K_SET_DATE_HEADER, S_BOOL,
	    set_date_header, 0, bool_words, N_("on or off")),
	KCHOICE("keepbcc", K_REMOVE_BCC_HEADERS, S_BOOL, remove_bcc_headers,
	    0, keepbcc_words, N_("on or off")),
	KCHOICE("tls_nocertcheck", K_TLS_CERTCHECK, S_BOOL, tls_certcheck,
	    F_NOARG, noarg_off_words, NULL),
	KCHOICE("tls_nostarttls", K_TLS_STARTTLS, S_BOOL, tls_starttls,
	    F_NOARG, noarg_off_words, NULL),
	KCHOICE("set_to_header", K_UNDISCLOSED_RECIPIENTS, S_BOOL,
	    undisclosed_recipients, 0, to_header_words,
	    N_("off or undisclosed_recipients")),
	/* msmtp has ignored it, whatever the argument, since 1.6.0. */
	{ .name = "tls_force_sslv3", .key = K_COUNT, .type = T_IGNORE },
};

#define NKEYTAB	(sizeof(keytab) / sizeof(keytab[0]))

/* A parsed argument, before it is stored. */
struct value {
	char	*s;
	int	 i;
};

/* Overwrites a string before it is freed: it may be a password. */
static void
wipe(char *s)
{
	volatile char *p = s;

	if (s == NULL)
		return;
	while (*p != '\0')
		*p++ = '\0';
}

static void
str_free(char *s)
{
	wipe(s);
	free(s);
}

static const struct keydef *
keydef_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYTAB; i++)
		if (strcmp(keytab[i].name, name) == 0)
			return &keytab[i];
	return NULL;
}

static void *
field(struct account *a, const struct keydef *kd)
{
	return (char *)a + kd->off;
}

static const void *
cfield(const struct account *a, const struct keydef *kd)
{
	return (const char *)a + kd->off;
}

static int
get_int(const struct account *a, const struct keydef *kd)
{
	const void *p = cfield(a, kd);

	switch (kd->store) {
	case S_INT:
		return *(const int *)p;
	case S_BOOL:
		return *(const bool *)p;
	case S_TRI:
		return (int)*(const enum tristate *)p;
	case S_PROTO:
		return (int)*(const enum protocol *)p;
	case S_QUEUE:
		return (int)*(const enum queue_mode *)p;
	case S_STR:
		break;
	}
	return 0;
}

static void
set_int(struct account *a, const struct keydef *kd, int v)
{
	void *p = field(a, kd);

	switch (kd->store) {
	case S_INT:
		*(int *)p = v;
		break;
	case S_BOOL:
		*(bool *)p = v != 0;
		break;
	case S_TRI:
		*(enum tristate *)p = (enum tristate)v;
		break;
	case S_PROTO:
		*(enum protocol *)p = (enum protocol)v;
		break;
	case S_QUEUE:
		*(enum queue_mode *)p = (enum queue_mode)v;
		break;
	case S_STR:
		break;
	}
}

/* Takes ownership of v->s. */
static void
store(struct account *a, const struct keydef *kd, struct value *v)
{
	char **sp;

	if (kd->store == S_STR) {
		sp = field(a, kd);
		str_free(*sp);
		*sp = v->s;
		v->s = NULL;
	} else
		set_int(a, kd, v->i);
}

/* Deep-copies the value of key k, leaving the set flag and origin alone. */
static void
copy_value(struct account *dst, const struct account *src, enum conf_key k)
{
	const struct keydef	*kd = &keytab[k];
	char			**dp;
	char *const		*sp;

	if (kd->store == S_STR) {
		dp = field(dst, kd);
		sp = cfield(src, kd);
		if (dp == sp)
			return;
		str_free(*dp);
		*dp = *sp != NULL ? xstrdup(*sp) : NULL;
	} else
		set_int(dst, kd, get_int(src, kd));
}

static void
copy_setting(struct account *dst, const struct account *src,
    enum conf_key k, bool from_defaults)
{
	if (dst == src)
		return;
	copy_value(dst, src, k);
	dst->set[k] = true;
	dst->origin[k] = src->origin[k];
	if (from_defaults)
		dst->origin[k].from_defaults = true;
}

/*
 * "~" and "~/..." become the home directory; "~user" is left alone, since
 * a pure module cannot look users up.  (msmtp's expand_tilde() glues
 * $HOME to whatever follows the tilde, "~user" included.)
 */
static char *
expand_home(const char *s, const char *home)
{
	size_t hl;

	if (home == NULL || s[0] != '~' || (s[1] != '\0' && s[1] != '/'))
		return xstrdup(s);
	/* Avoid "//x" from home "/", which POSIX leaves undefined. */
	hl = strlen(home);
	while (hl > 0 && home[hl - 1] == '/')
		hl--;
	if (hl == 0 && s[1] == '\0')
		return xstrdup("/");
	return xasprintf("%.*s%s", (int)hl, home, s + 1);
}

static bool
parse_decimal(const char *s, long min, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)		/* also keeps v far from overflow */
			return false;
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

/* N, or N followed by s, m, h or d; the result in seconds. */
static bool
parse_duration(const char *s, long min, long max, long *out)
{
	char	 digits[16];
	size_t	 n = strspn(s, "0123456789");
	long	 unit = 1, v;

	if (n == 0 || n >= sizeof(digits))
		return false;
	switch (s[n]) {
	case '\0':	break;
	case 's':	unit = 1; break;
	case 'm':	unit = 60; break;
	case 'h':	unit = 3600; break;
	case 'd':	unit = 86400; break;
	default:	return false;
	}
	if (s[n] != '\0' && s[n + 1] != '\0')
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_decimal(digits, 0, max / unit, &v) || v * unit < min)
		return false;
	*out = v * unit;
	return true;
}

/* RFC 4422 section 3.1: 1 to 20 letters, digits, '-' or '_'. */
static bool
valid_mechanism(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_");

	return n >= 1 && n <= 20 && s[n] == '\0';
}

/* "never", or each of failure, delay, success at most once, no blanks. */
static bool
valid_dsn_notify(const char *s)
{
	static const char *const words[] = { "failure", "delay", "success" };
	bool	seen[3] = { false, false, false };
	size_t	n, i;

	if (strcmp(s, "never") == 0)
		return true;
	for (;;) {
		n = strcspn(s, ",");
		for (i = 0; i < 3; i++)
			if (strlen(words[i]) == n &&
			    strncmp(s, words[i], n) == 0)
				break;
		if (i == 3 || seen[i])
			return false;
		seen[i] = true;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

static bool
is_hex(char c)
{
	return c != '\0' && strchr("0123456789abcdefABCDEF", c) != NULL;
}

/*
 * Hex pairs separated by ':' (msmtp also takes ' '), 32 of them for
 * SHA256, or 20 (SHA1) or 16 (MD5) for old configurations.
 */
static bool
valid_fingerprint(const char *s)
{
	size_t n = 0;

	for (;;) {
		if (!is_hex(s[0]) || !is_hex(s[1]))
			return false;
		n++;
		s += 2;
		if (*s == '\0')
			break;
		if (*s != ':' && *s != ' ')
			return false;
		s++;
	}
	return n == 32 || n == 20 || n == 16;
}

/* The bad value as a message shows it: cut, so the rest still fits. */
static const char *
shown(const char *v, char *buf, size_t size)
{
	if (strlen(v) < size)
		return v;
	snprintf(buf, size, "%.*s...", (int)(size - 4), v);
	return buf;
}

static int
bad_value(struct err *e, const char *where, const struct keydef *kd,
    const char *value)
{
	char buf[80];

	return err_set(e, ERR_CONFIG, _("%s: invalid %s '%s' (%s expected)"),
	    where, kd->name, shown(value, buf, sizeof(buf)), _(kd->expect));
}

/* Turns the argument into a value; nothing is stored yet. */
static int
parse_value(const struct keydef *kd, const char *value, const char *home,
    const char *where, struct value *v, struct err *e)
{
	const struct choice	*c;
	long			 n;
	char			 buf[80], *p;

	switch (kd->type) {
	case T_STR:
	case T_FILE:
		if (*value == '\0')
			v->s = kd->flags & F_KEEPEMPTY ? xstrdup("") : NULL;
		else if (kd->type == T_FILE)
			v->s = expand_home(value, home);
		else
			v->s = xstrdup(value);
		return 0;
	case T_TRUST:
		/* msmtp: "system" is the default; empty trusts no CA. */
		if (strcmp(value, "system") == 0)
			v->s = NULL;
		else
			v->s = expand_home(value, home);
		return 0;
	case T_INT:
		if (*value == '\0' || (kd->flags & F_OFF &&
		    strcmp(value, "off") == 0)) {
			v->i = 0;
			return 0;
		}
		if (!parse_decimal(value, kd->min, kd->max, &n)) {
			if (kd->flags & F_OFF)
				return err_set(e, ERR_CONFIG,
				    _("%s: invalid %s '%s' "
				    "(off or %ld-%ld expected)"), where,
				    kd->name, shown(value, buf, sizeof(buf)),
				    kd->min, kd->max);
			return err_set(e, ERR_CONFIG,
			    _("%s: invalid %s '%s' (%ld-%ld expected)"), where,
			    kd->name, shown(value, buf, sizeof(buf)), kd->min,
			    kd->max);
		}
		v->i = (int)n;
		return 0;
	case T_DURATION:
		if (!parse_duration(value, kd->min, kd->max, &n))
			return err_set(e, ERR_CONFIG,
			    _("%s: invalid %s '%s' (a duration such as 3600, "
			    "90m, 12h or 5d, from %lds to %ldd expected)"), where,
			    kd->name, shown(value, buf, sizeof(buf)), kd->min,
			    kd->max / 86400);
		v->i = (int)n;
		return 0;
	case T_CHOICE:
		for (c = kd->choices; c->word != NULL; c++)
			if (strcmp(c->word, value) == 0)
				break;
		if (c->word == NULL) {
			if (*value == '\0')
				return err_set(e, ERR_CONFIG,
				    _("%s: %s needs an argument"), where,
				    kd->name);
			return bad_value(e, where, kd, value);
		}
		if (kd->store == S_STR)
			v->s = c->str != NULL ? xstrdup(c->str) : NULL;
		else
			v->i = c->value;
		return 0;
	case T_AUTH:
		if (*value == '\0' || strcmp(value, "on") == 0)
			v->s = xstrdup("on");
		else if (strcmp(value, "off") == 0)
			v->s = NULL;
		else if (valid_mechanism(value)) {
			v->s = xstrdup(value);
			for (p = v->s; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
		} else
			return bad_value(e, where, kd, value);
		return 0;
	case T_DSN_NOTIFY:
		if (strcmp(value, "off") == 0)
			v->s = NULL;
		else if (valid_dsn_notify(value))
			v->s = xstrdup(value);
		else
			return bad_value(e, where, kd, value);
		return 0;
	case T_FINGERPRINT:
		if (*value == '\0')
			v->s = NULL;
		else if (valid_fingerprint(value))
			v->s = xstrdup(value);
		else
			return bad_value(e, where, kd, value);
		return 0;
	case T_IGNORE:
		return 0;
	}
	return err_set(e, ERR_SOFTWARE, _("%s: bad key table"), where);
}

int
conf_set(struct account *a, const char *key, const char *value,
    const char *where, const char *file, unsigned line, const char *home,
    struct err *e)
{
	const struct keydef	*kd;
	struct value		 v = { NULL, 0 };

	if (value == NULL)
		value = "";
	if (where == NULL)
		where = key;
	if ((kd = keydef_find(key)) == NULL)
		return err_set(e, ERR_CONFIG, _("%s: unknown command '%.64s'"),
		    where, key);
	if (kd->flags & F_NOARG && *value != '\0')
		return err_set(e, ERR_CONFIG, _("%s: %s takes no argument"),
		    where, kd->name);
	if (kd->flags & F_NEEDARG && *value == '\0')
		return err_set(e, ERR_CONFIG, _("%s: %s needs an argument"),
		    where, kd->name);
	if (kd->type == T_IGNORE)
		return 0;
	if (parse_value(kd, value, home, where, &v, e) == -1)
		return -1;
	store(a, kd, &v);
	a->set[kd->key] = true;
	a->origin[kd->key].file = file;
	a->origin[kd->key].line = line;
	a->origin[kd->key].from_defaults = false;
	return 0;
}

/*
 * Built-in defaults.  They differ from msmtp's on purpose: msmtp starts
 * with tls off, port 25 and no timeout (the system's, which may be hours),
 * and a sendmail that silently sends passwords in clear text or hangs a
 * cron job is worse than one that needs "tls off" written down.  Port 0
 * means "587, or 465 with implicit TLS" and timeout 0 "the built-in
 * default"; both are decided where the connection is made.  msmtp's
 * domain default "localhost" is left to the caller too (NULL here).
 */
void
account_init(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->port = 0;
	a->timeout = 0;
	a->protocol = PROTO_SMTP;
	a->tls = true;
	a->tls_starttls = true;
	a->tls_certcheck = true;
	a->allow_from_override = true;
	a->set_from_header = TRI_AUTO;
	a->set_date_header = true;
	a->set_msgid_header = true;
	a->remove_bcc_headers = true;
	a->undisclosed_recipients = false;
	a->queue = QUEUE_ON;
	a->queue_lifetime = QUEUE_LIFETIME_DEFAULT_S;
}

void
account_release(struct account *a)
{
	char	**sp;
	size_t	  k;

	if (a == NULL)
		return;
	str_free(a->name);
	a->name = NULL;
	for (k = 0; k < K_COUNT; k++) {
		if (keytab[k].store != S_STR)
			continue;
		sp = field(a, &keytab[k]);
		str_free(*sp);
		*sp = NULL;
	}
}

void
account_inherit(struct account *dst, const struct account *src)
{
	size_t k;

	for (k = 0; k < K_COUNT; k++)
		if (src->set[k])
			copy_setting(dst, src, (enum conf_key)k, false);
}

struct account *
account_dup(const struct account *src)
{
	struct account	*a;
	size_t		 k;

	a = xmalloc(sizeof(*a));
	account_init(a);
	a->name = src->name != NULL ? xstrdup(src->name) : NULL;
	for (k = 0; k < K_COUNT; k++) {
		copy_value(a, src, (enum conf_key)k);
		a->set[k] = src->set[k];
		a->origin[k] = src->origin[k];
	}
	return a;
}

const char *
conf_key_name(enum conf_key k)
{
	if ((unsigned)k >= K_COUNT)
		return NULL;
	return keytab[k].name;
}

enum conf_key
conf_key_lookup(const char *name)
{
	const struct keydef *kd;

	if (name == NULL || (kd = keydef_find(name)) == NULL)
		return K_COUNT;
	return kd->key;
}

/* True if the parser would change s: blanks at an end, a leading quote. */
static bool
needs_quotes(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '"' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t');
}

static bool
choice_is(const struct choice *c, const struct keydef *kd, const char *str,
    int v)
{
	if (kd->store != S_STR)
		return c->value == v;
	if (str == NULL || c->str == NULL)
		return str == c->str;
	return strcmp(c->str, str) == 0;
}

const char *
conf_format_value(const struct account *a, enum conf_key k, char *out,
    size_t size)
{
	const struct keydef	*kd;
	const struct choice	*c;
	const char		*s = "", *str;
	char			 num[24], shown[1024];
	int			 v;

	if (size == 0)
		return out;
	out[0] = '\0';
	if ((unsigned)k >= K_COUNT)
		return out;
	kd = &keytab[k];
	if (kd->type == T_CHOICE) {
		if (kd->store == S_STR)
			str = *(char *const *)cfield(a, kd);
		else
			str = NULL;
		v = get_int(a, kd);
		for (c = kd->choices; c->word != NULL; c++)
			if (*c->word != '\0' && choice_is(c, kd, str, v))
				break;
		if (c->word != NULL)
			s = c->word;
		else if (str != NULL)	/* set by hand to something odd */
			s = str;
	} else if (kd->type == T_DURATION) {
		v = get_int(a, kd);
		if (v == 0)
			s = kd->unset != NULL ? kd->unset : "";
		else {
			if (v % 86400 == 0)
				snprintf(num, sizeof(num), "%dd", v / 86400);
			else if (v % 3600 == 0)
				snprintf(num, sizeof(num), "%dh", v / 3600);
			else if (v % 60 == 0)
				snprintf(num, sizeof(num), "%dm", v / 60);
			else
				snprintf(num, sizeof(num), "%ds", v);
			s = num;
		}
	} else if (kd->store == S_INT) {
		v = get_int(a, kd);
		if (v == 0)
			s = kd->unset != NULL ? kd->unset : "";
		else {
			snprintf(num, sizeof(num), "%d", v);
			s = num;
		}
	} else {
		str = *(char *const *)cfield(a, kd);
		if (str == NULL)
			s = kd->unset != NULL ? kd->unset : "";
		else if (kd->flags & F_SECRET)
			s = "*";
		else if ((s = secret_shown(str, shown, sizeof(shown))) != str) {
			/* A PKCS #11 URI may carry the token's PIN: never shown. */
			snprintf(out, size, "\"%s\"", s);
			return out;
		} else if (needs_quotes(str)) {
			snprintf(out, size, "\"%s\"", str);
			return out;
		} else
			s = str;
	}
	snprintf(out, size, "%s", s);
	return out;
}

void
conf_init(struct conf *conf)
{
	memset(conf, 0, sizeof(*conf));
}

void
conf_release(struct conf *conf)
{
	size_t i;

	for (i = 0; i < conf->naccounts; i++) {
		account_release(conf->accounts[i]);
		free(conf->accounts[i]);
	}
	free(conf->accounts);
	for (i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	memset(conf, 0, sizeof(*conf));
}

struct account *
conf_find(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->naccounts; i++)
		if (conf->accounts[i]->name != NULL &&
		    strcmp(conf->accounts[i]->name, name) == 0)
			return conf->accounts[i];
	return NULL;
}

/*
 * One conf_parse() call.  The accounts of the file are collected here and
 * only join the conf when the whole text is read, so an error leaves the
 * conf as it was: a caller may then go on without that file.
 */
struct parse {
	struct conf		 *conf;
	const struct conf_source *src;
	struct err		 *e;
	char			 *file;		/* owned until commit */
	struct account		  defaults;	/* this file's */
	struct account		 *cur;		/* NULL: no section yet */
	struct account		**acc;		/* this file's, in order */
	unsigned		 *acc_line;	/* where each began */
	size_t			  nacc, capacc;
	bool			  has_password;
};

static int	run_line(struct parse *, char *, unsigned, bool);

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Cuts blanks off both ends of s, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static struct account *
find_parent(const struct parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nacc; i++)
		if (strcmp(p->acc[i]->name, name) == 0)
			return p->acc[i];
	return conf_find(p->conf, name);
}

static void
discard_account(struct account *a)
{
	account_release(a);
	free(a);
}

/*
 * "account NAME [: PARENT[, PARENT...]]".  msmtp checks the same things
 * (read_conffile() and read_account_list()): a name, no ':' or ',' in it,
 * not twice in one file, parents already defined.  The new account is
 * account_init(), then this file's defaults, then each parent in order.
 * A parent passes on only what it did not get from its own file's
 * defaults, as msmtp's per-account mask does.
 */
static int
do_account(struct parse *p, char *arg, const char *where, unsigned lineno)
{
	struct account	*a, *parent;
	char		*name, *list = NULL, *comma, *pname;
	size_t		 i, k;

	if ((comma = strchr(arg, ':')) != NULL) {
		*comma = '\0';
		list = comma + 1;
	}
	name = trim(arg);
	if (*name == '\0')
		return err_set(p->e, ERR_CONFIG, _("%s: missing account name"),
		    where);
	if (strchr(name, ',') != NULL)
		return err_set(p->e, ERR_CONFIG,
		    _("%s: account name '%.64s' must not contain ':' or ','"),
		    where, name);
	for (i = 0; i < p->nacc; i++)
		if (strcmp(p->acc[i]->name, name) == 0)
			return err_set(p->e, ERR_CONFIG,
			    _("%s: account '%.64s' was already defined "
			    "on line %u"), where, name, p->acc_line[i]);

	a = xmalloc(sizeof(*a));
	account_init(a);
	a->name = xstrdup(name);
	for (k = 0; k < K_COUNT; k++)
		if (p->defaults.set[k])
			copy_setting(a, &p->defaults, (enum conf_key)k, true);
	while (list != NULL) {
		if ((comma = strchr(list, ',')) != NULL)
			*comma = '\0';
		pname = trim(list);
		list = comma != NULL ? comma + 1 : NULL;
		if (*pname == '\0') {
			discard_account(a);
			return err_set(p->e, ERR_CONFIG,
			    _("%s: missing parent account name"), where);
		}
		if ((parent = find_parent(p, pname)) == NULL) {
			discard_account(a);
			return err_set(p->e, ERR_CONFIG,
			    _("%s: parent account '%.64s' is not defined "
			    "(yet)"), where, pname);
		}
		for (k = 0; k < K_COUNT; k++)
			if (parent->set[k] &&
			    !parent->origin[k].from_defaults)
				copy_setting(a, parent, (enum conf_key)k,
				    false);
	}

	if (p->nacc == p->capacc) {
		p->capacc = p->capacc != 0 ? p->capacc * 2 : 8;
		p->acc = xreallocarray(p->acc, p->capacc, sizeof(*p->acc));
		p->acc_line = xreallocarray(p->acc_line, p->capacc,
		    sizeof(*p->acc_line));
	}
	p->acc[p->nacc] = a;
	p->acc_line[p->nacc] = lineno;
	p->nacc++;
	p->cur = a;
	return 0;
}

/*
 * msmtp 1.8.21's "eval CMD": the line is replaced by the first line CMD
 * prints.  The replacement is read once more as a line but may not be an
 * eval itself, so a configuration cannot loop.
 */
static int
do_eval(struct parse *p, const char *cmd, const char *where, unsigned lineno,
    bool from_eval)
{
	struct err	 sub;
	char		*out = NULL;
	size_t		 n;
	int		 rc;

	if (from_eval)
		return err_set(p->e, ERR_CONFIG,
		    _("%s: the output of eval must not be another eval"),
		    where);
	if (p->src->eval == NULL)
		return err_set(p->e, ERR_CONFIG,
		    _("%s: eval is not allowed here"), where);
	if (*cmd == '\0')
		return err_set(p->e, ERR_CONFIG,
		    _("%s: eval needs an argument"), where);
	err_init(&sub);
	if (p->src->eval(p->src->eval_ctx, cmd, &out, &sub) == -1) {
		str_free(out);
		return err_set(p->e, sub.kind != ERR_NONE ? sub.kind :
		    ERR_CONFIG, _("%s: eval failed: %s"), where,
		    sub.text[0] != '\0' ? sub.text : _("unknown error"));
	}
	if (out == NULL)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\r')
		out[n - 1] = '\0';
	rc = run_line(p, out, lineno, true);
	str_free(out);
	return rc;
}

/*
 * One line, without its LF (and CR), NUL-terminated and ours to change.
 * msmtp's get_next_cmd(): blank lines and lines whose first non-blank is
 * '#' are skipped; the command is the first word; the argument is the
 * rest without surrounding blanks; a pair of double quotes around the
 * whole argument is removed and nothing inside it is special.
 */
static int
run_line(struct parse *p, char *line, unsigned lineno, bool from_eval)
{
	char	*cmd, *arg, *where;
	size_t	 n;
	int	 rc;

	cmd = line;
	while (is_blank(*cmd))
		cmd++;
	if (*cmd == '\0' || *cmd == '#')
		return 0;
	arg = cmd + strcspn(cmd, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = trim(arg);

	where = xasprintf("%s:%u", p->file, lineno);
	if (arg[0] == '"') {
		/*
		 * msmtp keeps an unbalanced quote as text; we refuse it, as
		 * a half-quoted password is far more likely a typo.  Any
		 * value can still be written, quotes and all, as "VALUE".
		 */
		n = strlen(arg);
		if (n < 2 || arg[n - 1] != '"') {
			rc = err_set(p->e, ERR_CONFIG,
			    _("%s: unterminated quote in the argument of "
			    "%.64s"), where, cmd);
			goto done;
		}
		arg[n - 1] = '\0';
		arg++;
	}

	if (strcmp(cmd, "eval") == 0)
		rc = do_eval(p, arg, where, lineno, from_eval);
	else if (strcmp(cmd, "defaults") == 0) {
		if (*arg != '\0')
			rc = err_set(p->e, ERR_CONFIG,
			    _("%s: defaults takes no argument"), where);
		else {
			p->cur = &p->defaults;
			rc = 0;
		}
	} else if (strcmp(cmd, "account") == 0)
		rc = do_account(p, arg, where, lineno);
	else if (p->cur == NULL && keydef_find(cmd) == NULL)
		rc = err_set(p->e, ERR_CONFIG,
		    _("%s: unknown command '%.64s'"), where, cmd);
	else {
		/*
		 * Settings before any "account" or "defaults" line open an
		 * account named "default", as msmtp has done since its 1.2
		 * files, so that such a file keeps working unchanged.
		 */
		if (p->cur == NULL) {
			char name[] = "default";

			if ((rc = do_account(p, name, where, lineno)) == -1)
				goto done;
		}
		rc = conf_set(p->cur, cmd, arg, where, p->file, lineno,
		    p->src->home, p->e);
		/* The file's own text: what its permissions must protect. */
		if (rc == 0 && !from_eval && *arg != '\0' &&
		    conf_key_lookup(cmd) == K_PASSWORD)
			p->has_password = true;
	}
done:
	free(where);
	return rc;
}

/* Moves this file's accounts into the conf; a same-named one is replaced
 * where it stood. */
static void
commit(struct parse *p)
{
	struct conf	*conf = p->conf;
	struct account	*old;
	size_t		 i, j;

	conf->files = xreallocarray(conf->files, conf->nfiles + 1,
	    sizeof(*conf->files));
	conf->files[conf->nfiles++] = p->file;
	p->file = NULL;
	if (p->nacc > 0)
		conf->accounts = xreallocarray(conf->accounts,
		    conf->naccounts + p->nacc, sizeof(*conf->accounts));
	for (i = 0; i < p->nacc; i++) {
		for (j = 0; j < conf->naccounts; j++)
			if (strcmp(conf->accounts[j]->name,
			    p->acc[i]->name) == 0)
				break;
		if (j < conf->naccounts) {
			old = conf->accounts[j];
			discard_account(old);
			conf->accounts[j] = p->acc[i];
		} else
			conf->accounts[conf->naccounts++] = p->acc[i];
	}
	p->nacc = 0;
	conf->has_password = p->has_password;
}

int
conf_parse(struct conf *conf, const char *text, size_t len,
    const struct conf_source *src, struct err *e)
{
	struct parse	 p;
	const char	*start, *nl;
	char		*line;
	size_t		 pos, n, i;
	unsigned	 lineno;
	int		 rc = 0;

	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.src = src;
	p.e = e;
	p.file = xstrdup(src->file != NULL ? src->file : "-");
	account_init(&p.defaults);
	conf->has_password = false;

	for (pos = 0, lineno = 1; pos < len && rc == 0; ) {
		start = text + pos;
		nl = memchr(start, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL ? 1 : 0);
		if (memchr(start, '\0', n) != NULL) {
			rc = err_set(e, ERR_CONFIG,
			    _("%s:%u: NUL byte in line"), p.file, lineno);
			break;
		}
		if (n > 0 && start[n - 1] == '\r')
			n--;
		line = xstrndup(start, n);
		rc = run_line(&p, line, lineno, false);
		str_free(line);
		if (lineno < UINT_MAX)
			lineno++;
	}

	if (rc == 0)
		commit(&p);
	for (i = 0; i < p.nacc; i++)
		discard_account(p.acc[i]);
	free(p.acc);
	free(p.acc_line);
	free(p.file);
	account_release(&p.defaults);
	return rc;
}
