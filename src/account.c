/*
 * account.c - configuration files, account choice, command-line overrides.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "envelope.h"
#include "clock.h"
#include "resolve.h"
#include "auth.h"
#include "buf.h"
#include "nls.h"
#include "rfc5322.h"
#include "secret.h"
#include "slurp.h"
#include "spawn.h"
#include "xalloc.h"

#define CONF_FILE_MAX	(16 * 1024 * 1024)

void
run_account_init(struct run_account *ra)
{
	memset(ra, 0, sizeof(*ra));
	conf_init(&ra->conf);
}

void
run_account_release(struct run_account *ra)
{
	if (ra->acct != NULL) {
		account_release(ra->acct);
		free(ra->acct);
	}
	conf_release(&ra->conf);
	free(ra->system_path);
	free(ra->user_path);
	free(ra->envelope_from);
	free(ra->helo);
	free(ra->queue_dir);
	memset(ra, 0, sizeof(*ra));
}

/* An environment variable, refused if it could inject a line. */
static int
env_value(const char *name, const char **out, struct err *e)
{
	const char *v = getenv(name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strpbrk(v, "\r\n") != NULL)
		return err_set(e, ERR_USAGE,
		    _("environment variable %s contains a line break"), name);
	*out = v;
	return 0;
}

static int
conf_eval(void *ctx, const char *cmd, char **line, struct err *e)
{
	(void)ctx;
	return spawn_first_line(cmd, "eval", SPAWN_EVAL_TIMEOUT_S, line, e);
}

/*
 * Loads one file into the configuration.  A user file that sets a
 * password must be private: mode 0600 or stricter and ours (msmtp's rule);
 * anything else would show the password to other users.
 */
static int
load_file(struct run_account *ra, const char *path, bool user_file,
    bool missing_ok, const char *home, struct err *e)
{
	struct conf_source	src;
	struct buf		text;
	struct stat		st;
	int			rc;

	/* It may hold a password: the buffers are wiped. */
	rc = slurp(path, CONF_FILE_MAX, ERR_CONFIG, missing_ok, true, &text,
	    &st, e);
	if (rc != 0)
		return rc;
	memset(&src, 0, sizeof(src));
	src.file = path;
	src.home = home;
	src.eval = conf_eval;
	rc = conf_parse(&ra->conf, text.data ? text.data : "", text.len, &src, e);
	if (text.data != NULL)
		secret_wipe(text.data, text.cap);
	buf_release(&text);
	if (rc == -1)
		return -1;
	if (user_file && ra->conf.has_password &&
	    ((st.st_mode & 077) != 0 || st.st_uid != geteuid()))
		return err_set(e, ERR_CONFIG,
		    (st.st_mode & 077) != 0 ?
		    _("%s: contains a password but can be read by others "
		    "(mode %04o); run 'chmod 600 %s'") :
		    _("%s: contains a password but belongs to another user "
		    "(mode %04o) %s"), path, (unsigned)(st.st_mode & 07777),
		    (st.st_mode & 077) != 0 ? path : "");
	return 0;
}

static char *
join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

/* The user file, in the documented order of lookup; NULL when none. */
static int
find_user_file(const struct options *o, const char *home, char **path,
    bool *must_exist, struct err *e)
{
	const char	*v, *xdg;
	char		*cand[4];
	size_t		 n = 0, i;
	struct stat	 st;

	*path = NULL;
	*must_exist = true;
	if (o->conf_file != NULL) {
		*path = xstrdup(o->conf_file);
		return 0;
	}
	if (env_value("SMTPSEND_CONFIG", &v, e) == -1)
		return -1;
	if (v != NULL) {
		*path = xstrdup(v);
		return 0;
	}
	*must_exist = false;
	if (env_value("XDG_CONFIG_HOME", &xdg, e) == -1)
		return -1;
	if (xdg != NULL)
		cand[n++] = join(xdg, "smtpsend/config");
	else if (home != NULL)
		cand[n++] = join(home, ".config/smtpsend/config");
	if (home != NULL)
		cand[n++] = join(home, ".smtpsendrc");
	if (home != NULL)
		cand[n++] = join(home, ".msmtprc");
	if (xdg != NULL)
		cand[n++] = join(xdg, "msmtp/config");
	else if (home != NULL)
		cand[n++] = join(home, ".config/msmtp/config");
	for (i = 0; i < n; i++) {
		if (*path == NULL && stat(cand[i], &st) == 0)
			*path = cand[i];
		else
			free(cand[i]);
	}
	return 0;
}

static const char *
home_dir(void)
{
	const char	*h = getenv("HOME");
	struct passwd	*pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_dir : NULL;
}

static const char *
login_name(void)
{
	const char	*u = getenv("USER");
	struct passwd	*pw;

	if (u == NULL || *u == '\0')
		u = getenv("LOGNAME");
	if (u != NULL && *u != '\0' && strpbrk(u, "\r\n") == NULL)
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

/* "<a@b>" -> "a@b", "<>" -> "". */
static char *
bare_address(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

static bool
is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * msmtp's rule for choosing an account by sender: the account's "from"
 * equals the address, or matches it as a shell pattern, or equals it
 * without a "+detail" subaddress.  Comparison ignores case.
 */
static bool
from_matches(const char *pattern, const char *addr)
{
	const char	*plus, *at;
	char		*base;
	bool		 m;

	if (is_pattern(pattern))
		return fnmatch(pattern, addr, FNM_CASEFOLD) == 0;
	if (strcasecmp(pattern, addr) == 0)
		return true;
	at = strrchr(addr, '@');
	plus = strchr(addr, '+');
	if (at == NULL || plus == NULL || plus > at)
		return false;
	base = xasprintf("%.*s%s", (int)(plus - addr), addr, at);
	m = strcasecmp(pattern, base) == 0;
	free(base);
	return m;
}

static int
choose_account(struct run_account *ra, const struct options *o,
    const char *sender, struct err *e)
{
	const struct account	*a = NULL;
	const char		*where = ra->user_file ? ra->user_file :
				    ra->system_file;
	size_t			 i;

	if (o->account != NULL) {
		if ((a = conf_find(&ra->conf, o->account)) == NULL)
			return err_set(e, ERR_CONFIG, _("no account '%s' in %s"),
			    o->account, where);
		ra->chosen_by = _("given with --account");
	}
	if (a == NULL && sender != NULL)
		for (i = 0; i < ra->conf.naccounts; i++) {
			const struct account *c = ra->conf.accounts[i];

			if (c->from != NULL && from_matches(c->from, sender)) {
				a = c;
				ra->chosen_by = _("its 'from' matches the sender");
				break;
			}
		}
	if (a == NULL && (a = conf_find(&ra->conf, "default")) != NULL)
		ra->chosen_by = _("the default account");
	if (a == NULL)
		return err_set(e, ERR_CONFIG,
		    _("no account to use: %s defines no account 'default' "
		    "(use -a NAME or add 'account default : NAME')"), where);
	ra->acct = account_dup(a);
	return 0;
}

static int
apply_settings(struct run_account *ra, const struct options *o,
    const char *home, struct err *e)
{
	size_t	i;
	char	where[64];

	for (i = 0; i < o->nsettings; i++) {
		const struct cli_setting *s = &o->settings[i];

		snprintf(where, sizeof(where), "%s%s",
		    s->option[0] == '-' ? "" : "--", s->option);
		if (conf_set(ra->acct, s->key, s->value, where,
		    _("the command line"), 0, home, e) == -1) {
			e->kind = ERR_USAGE;
			return -1;
		}
	}
	return 0;
}

/* The host name for %H: $HOSTNAME, else the system's. */
static void
host_name(char *out, size_t size)
{
	const char *h = getenv("HOSTNAME");

	if (h != NULL && *h != '\0' && strpbrk(h, "\r\n") == NULL) {
		snprintf(out, size, "%s", h);
		return;
	}
	memset(out, 0, size);
	if (gethostname(out, size - 1) == -1)
		snprintf(out, size, "localhost");
}

/* The first line of /etc/mailname (or $SMTPSEND_MAILNAME) for %M. */
static int
mail_name(char **out, struct err *e)
{
	const char	*path = getenv("SMTPSEND_MAILNAME");
	struct buf	 b;
	int		 rc;

	if (path == NULL || *path == '\0')
		path = "/etc/mailname";
	if ((rc = slurp(path, 4096, ERR_CONFIG, false, false, &b, NULL, e)) != 0)
		return -1;
	*out = xstrndup(b.data ? b.data : "", strcspn(b.data ? b.data : "",
	    " \t\r\n"));
	buf_release(&b);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return err_set(e, ERR_CONFIG, _("%s is empty (needed for %%M)"),
		    path);
	}
	return 0;
}

/* The user's full name from the password database's GECOS field (%F). */
static void
full_name(char *out, size_t size)
{
	struct passwd	*pw = getpwuid(getuid());
	const char	*g;
	size_t		 o = 0;

	out[0] = '\0';
	if (pw == NULL || pw->pw_gecos == NULL)
		return;
	for (g = pw->pw_gecos; *g != '\0' && *g != ',' && o + 1 < size; g++) {
		if (*g == '&') {	/* the login name, capitalised */
			const char *n = pw->pw_name;

			if (*n != '\0' && o + 1 < size)
				out[o++] = (char)(*n >= 'a' && *n <= 'z' ? *n - 32 : *n);
			for (n++; *n != '\0' && o + 1 < size; n++)
				out[o++] = *n;
		} else if ((unsigned char)*g >= 0x20)
			out[o++] = *g;
	}
	out[o] = '\0';
}

/*
 * msmtp's substitution patterns (1.8.7 and 1.8.16): %U the login name,
 * %H the host name, %C its canonical name (a lookup, bounded by the
 * timeout), %M the contents of /etc/mailname, %F the full name from the
 * password database, %% a percent sign.  what names the setting; allowed
 * lists the letters that make sense there.
 */
static int
expand_patterns(const char *in, const char *what, const char *allowed,
    int timeout_s, char **out, struct err *e)
{
	struct buf	 b;
	char		 host[256], name[256], *tmp;
	const char	*p, *user;
	int		 rc = -1;

	buf_init(&b, 4096, ERR_CONFIG, what);
	for (p = in; *p != '\0'; p++) {
		if (*p != '%') {
			if (buf_addch(&b, *p, e) == -1)
				goto out;
			continue;
		}
		p++;
		if (*p == '%') {
			if (buf_addch(&b, '%', e) == -1)
				goto out;
			continue;
		}
		if (*p == '\0' || strchr(allowed, *p) == NULL) {
			err_set(e, ERR_CONFIG, _("%s %s: unknown pattern '%%%c' "
			    "(%s knows %s)"), what, in, *p ? *p : ' ', what,
			    allowed);
			goto out;
		}
		switch (*p) {
		case 'U':
			if ((user = login_name()) == NULL) {
				err_set(e, ERR_CONFIG, _("%s %s: no login name for %%U"),
				    what, in);
				goto out;
			}
			rc = buf_addstr(&b, user, e);
			break;
		case 'H':
			host_name(host, sizeof(host));
			rc = buf_addstr(&b, host, e);
			break;
		case 'C':
			host_name(host, sizeof(host));
			if (resolve_canonical(host, clock_ms() +
			    (int64_t)timeout_s * 1000, &tmp, e) == -1)
				goto out;
			rc = buf_addstr(&b, tmp, e);
			free(tmp);
			break;
		case 'M':
			if (mail_name(&tmp, e) == -1)
				goto out;
			rc = buf_addstr(&b, tmp, e);
			free(tmp);
			break;
		case 'F':
			full_name(name, sizeof(name));
			rc = buf_addstr(&b, name, e);
			break;
		}
		if (rc == -1)
			goto out;
		rc = -1;
	}
	*out = buf_detach(&b);
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

static int
resolve_sender(struct run_account *ra, const struct options *o,
    const char *header_from, struct err *e)
{
	const struct account	*a = ra->acct;
	const char		*given = o->from != NULL ? o->from : header_from;
	const char		*user;

	if (given != NULL && a->from != NULL && !a->allow_from_override &&
	    !is_pattern(a->from))
		ra->from_override_ignored = true;
	else if (given != NULL) {
		ra->envelope_from = bare_address(given);
		ra->sender_from = o->from != NULL ? SENDER_FROM_COMMAND_LINE :
		    SENDER_FROM_HEADER;
		return 0;
	}
	ra->sender_from = SENDER_FROM_CONFIG;
	if (a->from != NULL && !is_pattern(a->from))
		return expand_patterns(a->from, "from", "UHCM", ra->timeout_s,
		    &ra->envelope_from, e);
	if (a->auto_from && (user = login_name()) != NULL) {
		ra->envelope_from = a->maildomain != NULL && *a->maildomain != '\0' ?
		    xasprintf("%s@%s", user, a->maildomain) : xstrdup(user);
		return 0;
	}
	if (a->from != NULL)
		return err_set(e, ERR_CONFIG,
		    _("envelope-from address is missing: 'from %s' is a pattern; "
		    "give the sender with -f"), a->from);
	return err_set(e, ERR_CONFIG,
	    _("envelope-from address is missing: set 'from' in the account "
	    "or give it with -f"));
}

/*
 * EHLO argument: "domain" (with %H, %C, %M), else the sender's domain,
 * else "localhost".
 */
static int
resolve_helo(struct run_account *ra, struct err *e)
{
	const char *d;

	char		*ascii;

	if (ra->acct->domain != NULL && *ra->acct->domain != '\0') {
		if (expand_patterns(ra->acct->domain, "domain", "HCM",
		    ra->timeout_s, &ra->helo, e) == -1)
			return -1;
	} else {
		d = ra->envelope_from ? rfc5322_addr_domain(ra->envelope_from) :
		    NULL;
		ra->helo = xstrdup(d != NULL && *d != '\0' && d[0] != '[' ? d :
		    "localhost");
	}
	/* EHLO takes a domain in ASCII: an IDN goes as its A-label. */
	if ((ascii = envelope_domain_ascii(ra->helo)) == NULL)
		return err_set(e, ERR_CONFIG, _("the EHLO domain '%s' cannot be "
		    "written in ASCII (IDNA)"), ra->helo);
	free(ra->helo);
	ra->helo = ascii;
	return 0;
}

/* The modes that work on the queue and send no new message. */
static bool
queue_only(const struct options *o)
{
	return o->mode == MODE_LIST_QUEUE || o->mode == MODE_FLUSH_QUEUE ||
	    o->mode == MODE_QUEUE_REMOVE || o->mode == MODE_QUEUE_RETRY;
}

static int
resolve_queue_dir(struct run_account *ra, const char *home, struct err *e)
{
	const char *dir = ra->acct->queue_dir, *xdg;

	if (dir != NULL && *dir != '\0') {
		/* A flush runs from elsewhere (a timer): the path must not
		 * depend on the directory the send ran in. */
		if (dir[0] != '/')
			return err_set(e, ERR_CONFIG,
			    _("queue_dir '%s' must be an absolute path"), dir);
		ra->queue_dir = xstrdup(dir);
		return 0;
	}
	if (getuid() == 0 && ra->user_file == NULL && ra->system_file != NULL) {
		ra->queue_dir = xstrdup(SYSTEM_QUEUE_DIR);
		return 0;
	}
	if (env_value("XDG_STATE_HOME", &xdg, e) == -1)
		return -1;
	if (xdg != NULL && xdg[0] == '/')	/* relative: ignored, per XDG */
		ra->queue_dir = xasprintf("%s/smtpsend/queue", xdg);
	else if (home != NULL && home[0] == '/')
		ra->queue_dir = xasprintf("%s/.local/state/smtpsend/queue",
		    strcmp(home, "/") == 0 ? "" : home);
	return 0;
}

/*
 * A queue-only mode with no account to take the queue from: a blank
 * account, whose queue is the default one.
 */
static int
default_queue(struct run_account *ra, const char *why, const char *home,
    struct err *e)
{
	ra->acct = xcalloc(1, sizeof(*ra->acct));
	account_init(ra->acct);
	ra->chosen_by = why;
	return resolve_queue_dir(ra, home, e);
}

int
account_resolve(struct run_account *ra, const struct options *o,
    const char *header_from, struct err *e)
{
	const char	*home = home_dir(), *sys, *smtpserver, *email;
	char		*sender = NULL;
	bool		 must_exist;
	int		 rc;

	if (o->host != NULL) {
		/* msmtp: --host means the command line alone, no files. */
		ra->acct = xcalloc(1, sizeof(*ra->acct));
		account_init(ra->acct);
		ra->chosen_by = _("--host: settings from the command line only");
	} else {
		if (env_value("SMTPSEND_SYSTEM_CONFIG", &sys, e) == -1)
			return -1;
		ra->system_path = xstrdup(sys != NULL ? sys :
		    SYSCONFDIR "/smtpsend.conf");
		rc = load_file(ra, ra->system_path, false, true, home, e);
		if (rc == -1 && e->kind == ERR_CONFIG &&
		    access(ra->system_path, R_OK) == -1 && errno == EACCES) {
			/* Unreadable system file: msmtp skips it too. */
			err_clear(e);
			rc = 1;
		}
		if (rc == -1)
			return -1;
		if (rc == 0)
			ra->system_file = ra->system_path;
		if (find_user_file(o, home, &ra->user_path, &must_exist, e) == -1)
			return -1;
		if (ra->user_path != NULL) {
			rc = load_file(ra, ra->user_path, true, !must_exist,
			    home, e);
			if (rc == -1)
				return -1;
			if (rc == 0)
				ra->user_file = ra->user_path;
		}
		if (ra->system_file == NULL && ra->user_file == NULL) {
			/* msmtp's last resort: SMTPSERVER and EMAIL. */
			if (env_value("SMTPSERVER", &smtpserver, e) == -1 ||
			    env_value("EMAIL", &email, e) == -1)
				return -1;
			if (smtpserver == NULL && queue_only(o))
				return default_queue(ra, _("no configuration "
				    "file"), home, e);
			if (smtpserver == NULL)
				return err_set(e, ERR_CONFIG,
				    _("no configuration file found (looked for "
				    "~/.config/smtpsend/config, ~/.smtpsendrc, "
				    "~/.msmtprc and %s); use -C FILE or --host"),
				    ra->system_path);
			ra->acct = xcalloc(1, sizeof(*ra->acct));
			account_init(ra->acct);
			if (conf_set(ra->acct, "host", smtpserver, "SMTPSERVER",
			    "SMTPSERVER", 0, home, e) == -1 || (email != NULL &&
			    conf_set(ra->acct, "from", email, "EMAIL", "EMAIL", 0,
			    home, e) == -1))
				return -1;
			ra->chosen_by = _("from the SMTPSERVER and EMAIL variables");
		} else {
			if (o->from != NULL)
				sender = bare_address(o->from);
			else if (header_from != NULL)
				sender = xstrdup(header_from);
			rc = choose_account(ra, o, sender, e);
			free(sender);
			if (rc == -1 && queue_only(o) && o->account == NULL) {
				err_clear(e);
				return default_queue(ra, _("no default account"),
				    home, e);
			}
			if (rc == -1)
				return -1;
		}
	}
	if (apply_settings(ra, o, home, e) == -1)
		return -1;
	if (queue_only(o))	/* no message: only the queue's place matters */
		return resolve_queue_dir(ra, home, e);
	if (ra->acct->host == NULL || *ra->acct->host == '\0') {
		if (ra->acct->socket == NULL)
			return err_set(e, ERR_CONFIG,
			    _("account '%s' has no 'host'"),
			    ra->acct->name ? ra->acct->name : "");
	}
	ra->port = ra->acct->port != 0 ? ra->acct->port :
	    ra->acct->tls && !ra->acct->tls_starttls ? 465 : 587;
	ra->timeout_s = ra->acct->timeout > 0 ? ra->acct->timeout :
	    DEFAULT_TIMEOUT_S;
	if (resolve_sender(ra, o, header_from, e) == -1) {
		if (o->mode != MODE_SERVERINFO)
			return -1;
		err_clear(e);	/* --serverinfo sends no message */
	}
	if (resolve_helo(ra, e) == -1 || resolve_queue_dir(ra, home, e) == -1)
		return -1;
	if (ra->acct->from_full_name != NULL &&
	    strchr(ra->acct->from_full_name, '%') != NULL) {
		char *name;

		if (expand_patterns(ra->acct->from_full_name, "from_full_name",
		    "UF", ra->timeout_s, &name, e) == -1)
			return -1;
		free(ra->acct->from_full_name);
		ra->acct->from_full_name = name;
	}
	return 0;
}

/* "FILE:LINE: " of a setting, or "" when it is a built-in default. */
static const char *
origin_of(const struct account *a, enum conf_key k, char *out, size_t size)
{
	if (!a->set[k] || a->origin[k].file == NULL) {
		out[0] = '\0';
		return out;
	}
	if (a->origin[k].line > 0)
		snprintf(out, size, "%s:%u: ", a->origin[k].file,
		    a->origin[k].line);
	else
		snprintf(out, size, "%s: ", a->origin[k].file);
	return out;
}

int
account_check_supported(const struct run_account *ra, struct err *e)
{
	const struct account	*a = ra->acct;
	char			 o[512];

	if (a->auth != NULL && auth_needs_secret(a->auth) &&
	    (a->user == NULL || *a->user == '\0'))
		return err_set(e, ERR_CONFIG,
		    _("%sauth %s: needs a user name (set 'user')"),
		    origin_of(a, K_AUTH, o, sizeof(o)), a->auth);
	if (a->proxy_host != NULL)
		return err_set(e, ERR_CONFIG,
		    _("%sproxy_host: SOCKS proxies are not supported yet"),
		    origin_of(a, K_PROXY_HOST, o, sizeof(o)));
	return 0;
}

void
account_print(const struct run_account *ra, FILE *out)
{
	const struct account	*a = ra->acct;
	char			 val[1024], where[512];
	int			 k;

	if (ra->system_file != NULL)
		fprintf(out, _("system configuration file: %s\n"), ra->system_file);
	if (ra->user_file != NULL)
		fprintf(out, _("user configuration file: %s\n"), ra->user_file);
	fprintf(out, _("account: %s (%s)\n"), a->name ? a->name : "-",
	    ra->chosen_by ? ra->chosen_by : "");
	for (k = 0; k < K_COUNT; k++) {
		conf_format_value(a, (enum conf_key)k, val, sizeof(val));
		origin_of(a, (enum conf_key)k, where, sizeof(where));
		if (where[0] != '\0') {
			size_t n = strlen(where);

			where[n - 2] = '\0';	/* drop ": " */
			fprintf(out, "%s = %s  (%s)\n",
			    conf_key_name((enum conf_key)k), val, where);
		} else
			fprintf(out, "%s = %s\n",
			    conf_key_name((enum conf_key)k), val);
	}
	if (ra->port != 0)
		fprintf(out, _("resolved port: %d\n"), ra->port);
	if (ra->timeout_s != 0)
		fprintf(out, _("resolved timeout: %d s\n"), ra->timeout_s);
	if (ra->envelope_from != NULL)
		fprintf(out, _("envelope sender: <%s>%s\n"), ra->envelope_from,
		    ra->from_override_ignored ?
		    _(" (-f ignored: allow_from_override is off)") : "");
	if (ra->helo != NULL)
		fprintf(out, _("EHLO domain: %s\n"), ra->helo);
	if (ra->acct->queue != QUEUE_OFF)
		fprintf(out, _("queue directory: %s\n"), ra->queue_dir != NULL ?
		    ra->queue_dir : _("none (no home directory: set queue_dir)"));
}
