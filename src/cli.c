/*
 * cli.c - command-line parsing, --help and --version.
 */
#include <config.h>

#include <getopt.h>
#include <gnutls/gnutls.h>
#include <gsasl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "nls.h"
#include "xalloc.h"

/*
 * Long options that set a configuration key.  optional: the argument may
 * be left out ("--tls" means "--tls=on", as in msmtp).
 */
static const struct {
	const char	*name;
	const char	*key;
	bool		 optional;
} key_options[] = {
	{ "port",			"port",			false },
	{ "source-ip",			"source_ip",		true },
	{ "proxy-host",			"proxy_host",		true },
	{ "proxy-port",			"proxy_port",		true },
	{ "socket",			"socket",		true },
	{ "timeout",			"timeout",		false },
	{ "protocol",			"protocol",		false },
	{ "domain",			"domain",		true },
	{ "auth",			"auth",			true },
	{ "user",			"user",			true },
	{ "passwordeval",		"passwordeval",		true },
	{ "tls",			"tls",			true },
	{ "tls-starttls",		"tls_starttls",		true },
	{ "tls-trust-file",		"tls_trust_file",	true },
	{ "tls-crl-file",		"tls_crl_file",		true },
	{ "tls-fingerprint",		"tls_fingerprint",	true },
	{ "tls-key-file",		"tls_key_file",		true },
	{ "tls-cert-file",		"tls_cert_file",	true },
	{ "tls-certcheck",		"tls_certcheck",	true },
	{ "tls-priorities",		"tls_priorities",	true },
	{ "tls-host-override",		"tls_host_override",	true },
	{ "tls-min-dh-prime-bits",	"tls_min_dh_prime_bits", true },
	{ "dsn-notify",			"dsn_notify",		false },
	{ "dsn-return",			"dsn_return",		false },
	{ "set-from-header",		"set_from_header",	true },
	{ "set-date-header",		"set_date_header",	true },
	{ "set-msgid-header",		"set_msgid_header",	true },
	{ "remove-bcc-headers",		"remove_bcc_headers",	true },
	{ "undisclosed-recipients",	"undisclosed_recipients", true },
	{ "logfile",			"logfile",		true },
	{ "logfile-time-format",	"logfile_time_format",	true },
	{ "syslog",			"syslog",		true },
	{ "aliases",			"aliases",		true },
	{ "auto-from",			"auto_from",		true },
	{ "maildomain",			"maildomain",		true },
	{ "from-full-name",		"from_full_name",	true },
	{ "queue",			"queue",		true },
	{ "queue-dir",			"queue_dir",		true },
	{ "queue-lifetime",		"queue_lifetime",	false },
	{ "queue-notify",		"queue_notify",		true },
};

#define NKEYOPT		(sizeof(key_options) / sizeof(key_options[0]))
#define KEYOPT_BASE	1000

enum {
	OPT_HELP = 256,
	OPT_VERSION,
	OPT_HOST,
	OPT_DEBUG,
	OPT_READ_ENVELOPE_FROM,
	OPT_FLUSH,
	OPT_QUEUE_LIST,
	OPT_QUEUE_REMOVE,
	OPT_QUEUE_RETRY,
	OPT_JSON,
};

static const struct option fixed_options[] = {
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "pretend",		no_argument,		NULL, 'P' },
	{ "serverinfo",		no_argument,		NULL, 'S' },
	{ "debug",		optional_argument,	NULL, OPT_DEBUG },
	{ "file",		required_argument,	NULL, 'C' },
	{ "account",		required_argument,	NULL, 'a' },
	{ "host",		required_argument,	NULL, OPT_HOST },
	{ "from",		required_argument,	NULL, 'f' },
	{ "read-recipients",	no_argument,		NULL, 't' },
	{ "read-envelope-from",	no_argument,		NULL, OPT_READ_ENVELOPE_FROM },
	{ "flush",		optional_argument,	NULL, OPT_FLUSH },
	{ "queue-list",		no_argument,		NULL, OPT_QUEUE_LIST },
	{ "queue-remove",	required_argument,	NULL, OPT_QUEUE_REMOVE },
	{ "queue-retry",	required_argument,	NULL, OPT_QUEUE_RETRY },
	{ "json",		no_argument,		NULL, OPT_JSON },
};

#define NFIXED	(sizeof(fixed_options) / sizeof(fixed_options[0]))

void
options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_SEND;
}

void
options_release(struct options *o)
{
	free(o->settings);
	free(o->rcpts);
	options_init(o);
}

static void
add_setting(struct options *o, const char *key, const char *value,
    const char *option)
{
	o->settings = xreallocarray(o->settings, o->nsettings + 1,
	    sizeof(*o->settings));
	o->settings[o->nsettings].key = key;
	o->settings[o->nsettings].value = value;
	o->settings[o->nsettings].option = option;
	o->nsettings++;
}

/*
 * The injection rule: nothing from argv may carry a line break.  The
 * value itself is not repeated in the message: it is what holds the
 * line break.
 */
static int
check_value(const char *what, const char *value, struct err *e)
{
	if (strpbrk(value, "\r\n") != NULL)
		return err_set(e, ERR_USAGE,
		    _("%s: value contains a line break"), what);
	return 0;
}

/* "-f" or "--from", for messages about the option getopt just returned. */
static const char *
option_name(int c, const struct option *longopts, int idx, char *buf,
    size_t size)
{
	if (c > 0 && c < 256 && c != '?' && c != ':')
		snprintf(buf, size, "-%c", c);
	else if (idx >= 0)
		snprintf(buf, size, "--%s", longopts[idx].name);
	else
		snprintf(buf, size, "?");
	return buf;
}

static int
unknown_option(char **argv, int optopt_c, struct err *e)
{
	if (optopt_c != 0 && optopt_c < 256)
		return err_set(e, ERR_USAGE,
		    _("unknown option '-%c' (try 'smtpsend --help')"), optopt_c);
	return err_set(e, ERR_USAGE,
	    _("unknown option '%s' (try 'smtpsend --help')"), argv[optind - 1]);
}

/*
 * -o options, sendmail's old style.  -oi is -i and -oA names the aliases
 * file; -odi and -odb ask for delivery now (in the foreground or not),
 * which is what smtpsend does; -odq and -odd (queue only, defer) store
 * the message without trying: queue always.
 * The others (-oem, -oep and the error modes, -oL, -om, -oQ ...) tune
 * sendmail's own behaviour and have no meaning here: ignored, as Postfix
 * and msmtp do.
 */
static int
handle_o(struct options *o, const char *arg, struct err *e)
{
	if (strcmp(arg, "i") == 0) {
		o->ignore_dots = true;
		return 0;
	}
	if (arg[0] == 'A' && arg[1] != '\0') {
		add_setting(o, "aliases", arg + 1, "-oA");
		return 0;
	}
	if (strcmp(arg, "dq") == 0)
		add_setting(o, "queue", "always", "-odq");
	else if (strcmp(arg, "dd") == 0)
		add_setting(o, "queue", "always", "-odd");
	(void)e;
	return 0;
}

/* -b modes: the message (-bm), SMTP on stdio, the queue, the aliases. */
static int
handle_b(struct options *o, const char *arg, struct err *e)
{
	if (strcmp(arg, "m") == 0)
		o->mode = MODE_SEND;
	else if (strcmp(arg, "s") == 0)
		o->mode = MODE_SMTP_STDIO;
	else if (strcmp(arg, "p") == 0)
		o->mode = MODE_LIST_QUEUE;
	else if (strcmp(arg, "i") == 0)
		o->mode = MODE_NEWALIASES;
	else
		return err_set(e, ERR_USAGE,
		    _("unsupported mode '-b%s' (-bm, -bs, -bp and -bi are)"), arg);
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
cli_parse(struct options *o, int argc, char **argv, struct err *e)
{
	struct option	*longopts;
	size_t		 i, n = 0;
	int		 c, idx;
	int		 rc = -1;
	char		 name[64];

	longopts = xcalloc(NFIXED + NKEYOPT + 1, sizeof(*longopts));
	for (i = 0; i < NFIXED; i++)
		longopts[n++] = fixed_options[i];
	for (i = 0; i < NKEYOPT; i++, n++) {
		longopts[n].name = key_options[i].name;
		longopts[n].has_arg = key_options[i].optional ?
		    optional_argument : required_argument;
		longopts[n].flag = NULL;
		longopts[n].val = KEYOPT_BASE + (int)i;
	}
	opterr = 0;
	optind = 1;
	if (argc > 0 && strcmp(base_name(argv[0]), "mailq") == 0)
		o->mode = MODE_LIST_QUEUE;
	else if (argc > 0 && strcmp(base_name(argv[0]), "newaliases") == 0)
		o->mode = MODE_NEWALIASES;
	idx = -1;
	while ((c = getopt_long(argc, argv, ":tiC:a:f:r:F:vdPSX:N:R:V:o:b:B:Gh:L:mnO:UA:q::",
	    longopts, &idx)) != -1) {
		if (optarg != NULL && check_value(option_name(c, longopts, idx,
		    name, sizeof(name)), optarg, e) == -1)
			goto out;
		idx = -1;
		switch (c) {
		case 't':
			o->read_recipients = true;
			break;
		case 'i':
			o->ignore_dots = true;
			break;
		case 'C':
			o->conf_file = optarg;
			break;
		case 'a':
			o->account = optarg;
			break;
		case 'f':
		case 'r':
			o->from = optarg;
			break;
		case 'F':
			add_setting(o, "from_full_name", optarg, "-F");
			break;
		case 'v':
		case 'd':
			if (o->debug < 1)
				o->debug = 1;
			break;
		case OPT_DEBUG:
			if (optarg == NULL)
				o->debug = o->debug > 1 ? o->debug : 1;
			else if (strcmp(optarg, "body") == 0)
				o->debug = 2;
			else {
				err_set(e, ERR_USAGE,
				    _("--debug: unknown value '%s' (only 'body')"),
				    optarg);
				goto out;
			}
			break;
		case 'P':
			o->mode = MODE_PRETEND;
			break;
		case 'S':
			o->mode = MODE_SERVERINFO;
			break;
		case 'X':
			add_setting(o, "logfile", optarg, "-X");
			break;
		case 'N':
			add_setting(o, "dsn_notify", optarg, "-N");
			break;
		case 'R':
			add_setting(o, "dsn_return", optarg, "-R");
			break;
		case 'o':
			if (handle_o(o, optarg, e) == -1)
				goto out;
			break;
		case 'B':
			/* Body type: BODY= comes with 8BITMIME support. */
			if (strcasecmp(optarg, "7BIT") != 0 &&
			    strcasecmp(optarg, "8BITMIME") != 0) {
				err_set(e, ERR_USAGE,
				    _("-B: unknown body type '%s' (7BIT or 8BITMIME)"),
				    optarg);
				goto out;
			}
			o->body = strcasecmp(optarg, "7BIT") == 0 ? 7 : 8;
			break;
		case 'G':	/* relay, not initial submission: no meaning here */
		case 'h':	/* hop count: no meaning for a client */
		case 'L':	/* syslog label */
		case 'm':	/* "me too": no aliases are expanded */
		case 'n':	/* no aliasing */
		case 'O':	/* sendmail option=value */
			break;
		case 'b':
			if (handle_b(o, optarg, e) == -1)
				goto out;
			break;
		case 'V':
			o->envid = optarg;
			break;
		case 'q':
			/*
			 * -q, -qNN, -qR..., -qS...: process the queue once,
			 * every item, as Postfix's sendmail -q does.
			 */
			o->mode = MODE_FLUSH_QUEUE;
			o->flush_all = true;
			break;
		case OPT_FLUSH:
			o->mode = MODE_FLUSH_QUEUE;
			if (optarg == NULL || strcmp(optarg, "due") == 0)
				o->flush_all = false;
			else if (strcmp(optarg, "all") == 0)
				o->flush_all = true;
			else {
				err_set(e, ERR_USAGE, _("--flush: '%s' is "
				    "neither 'due' nor 'all'"), optarg);
				goto out;
			}
			break;
		case OPT_QUEUE_LIST:
			o->mode = MODE_LIST_QUEUE;
			break;
		case OPT_QUEUE_REMOVE:
			o->mode = MODE_QUEUE_REMOVE;
			o->queue_id = optarg;
			break;
		case OPT_QUEUE_RETRY:
			o->mode = MODE_QUEUE_RETRY;
			o->queue_id = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'U':	/* initial user submission: what this always is */
		case 'A':	/* Postfix/sendmail: which .cf file */
			break;
		case OPT_HELP:
			o->mode = MODE_HELP;
			break;
		case OPT_VERSION:
			o->mode = MODE_VERSION;
			break;
		case OPT_HOST:
			o->host = optarg;
			add_setting(o, "host", optarg, "--host");
			break;
		case OPT_READ_ENVELOPE_FROM:
			o->read_envelope_from = true;
			break;
		case ':':
			err_set(e, ERR_USAGE, _("option '%s' needs a value"),
			    argv[optind - 1]);
			goto out;
		case '?':
			unknown_option(argv, optopt, e);
			goto out;
		default:
			if (c >= KEYOPT_BASE && c < KEYOPT_BASE + (int)NKEYOPT) {
				i = (size_t)(c - KEYOPT_BASE);
				add_setting(o, key_options[i].key,
				    optarg != NULL ? optarg : "",
				    key_options[i].name);
				break;
			}
			err_set(e, ERR_SOFTWARE, "getopt returned %d", c);
			goto out;
		}
	}
	if (o->host != NULL && o->account != NULL) {
		err_set(e, ERR_USAGE,
		    _("--host and --account cannot be used together"));
		goto out;
	}
	o->rcpts = xcalloc((size_t)(argc - optind) + 1, sizeof(*o->rcpts));
	for (; optind < argc; optind++) {
		if (check_value(_("recipient"), argv[optind], e) == -1)
			goto out;
		o->rcpts[o->nrcpts++] = argv[optind];
	}
	rc = 0;
out:
	free(longopts);
	return rc;
}

void
cli_help(FILE *out)
{
	fprintf(out, _("Usage: %s [OPTION]... [--] RECIPIENT...\n"), "smtpsend");
	fputs(_(
"Send the message on standard input to an SMTP submission server (MSA).\n"
"Configuration as msmtp(1): ~/.config/smtpsend/config, ~/.smtpsendrc,\n"
"~/.msmtprc, or the file given with -C.\n"
"\n"
"Sendmail options:\n"
"  -t, --read-recipients    add recipients from To, Cc and Bcc (or Resent-*)\n"
"  -i, -oi                  a line with a single '.' does not end the message\n"
"  -f, -r, --from=ADDR      envelope sender; also picks the account whose\n"
"                           'from' matches\n"
"  -F NAME                  full name for an added From field\n"
"                           (sets from_full_name)\n"
"      --read-envelope-from take the envelope sender from the From field\n"
"  -C, --file=FILE          use FILE as the user configuration file\n"
"  -a, --account=NAME       use account NAME\n"
"  -X, --logfile=FILE       append one line per message to FILE\n"
"  -N, --dsn-notify=COND    DSN notification conditions\n"
"  -R, --dsn-return=RET     DSN return amount\n"
"  -bm                      read the message from standard input (default)\n"
"  -bs                      speak SMTP on standard input and output; each\n"
"                           transaction is submitted as one run would be\n"
"  -bp, mailq               list the queue (as --queue-list)\n"
"  -q[...]                  deliver every queued message now (--flush=all)\n"
"  -bi, newaliases          nothing to rebuild (aliases are read as they are)\n"
"  -V ENVID                 DSN envelope identifier (RFC 3461)\n"
"  -oem, -oep, -oeq, -oew   accepted; errors always go to standard error\n"
"  -odi, -odb               accepted: delivery is immediate\n"
"  -odq, -odd               queue the message without trying (queue=always)\n"
"  -oAFILE                  aliases file (sets aliases)\n"
"  -o...                    other sendmail options: accepted and ignored\n"
"  -B 7BIT|8BITMIME         the body type: 7BIT refuses 8-bit octets; an\n"
"                           8-bit body goes with BODY=8BITMIME\n"
"  -G, -h N, -L TAG, -m, -n, -O OPT=VALUE, -U, -A...\n"
"                           accepted and ignored, as msmtp and Postfix do\n"
"\n"
"Server options (each sets the configuration key of the same name):\n"
"      --host=HOST          use HOST and ignore the configuration files\n"
"      --port=N             port (default 587, or 465 with implicit TLS)\n"
"      --timeout=SECONDS    base of every network deadline (default 60)\n"
"      --domain=NAME        argument of EHLO\n"
"      --socket=PATH        connect to a local socket instead\n"
"      --source-ip=ADDR     local address to connect from\n"
"      --protocol=smtp|lmtp protocol (LMTP: RFC 2033)\n"
"      --tls[=on|off]       TLS (on by default)\n"
"      --tls-starttls[=on|off]  STARTTLS on 587 (on) or implicit TLS on 465\n"
"      --tls-trust-file=FILE, --tls-crl-file=FILE, --tls-fingerprint=FP,\n"
"      --tls-key-file=FILE, --tls-cert-file=FILE, --tls-certcheck[=on|off],\n"
"      --tls-priorities=STR, --tls-host-override=HOST,\n"
"      --tls-min-dh-prime-bits=N\n"
"      --auth[=on|off|MECH], --user=NAME, --passwordeval=CMD\n"
"      --proxy-host=HOST, --proxy-port=N\n"
"\n"
"Message options (each sets the configuration key of the same name):\n"
"      --set-from-header[=auto|on|off], --set-date-header[=auto|off],\n"
"      --set-msgid-header[=auto|off], --remove-bcc-headers[=on|off],\n"
"      --undisclosed-recipients[=on|off], --from-full-name=NAME,\n"
"      --logfile-time-format=FMT, --syslog[=on|off|FACILITY],\n"
"      --aliases=FILE, --auto-from[=on|off], --maildomain=DOMAIN,\n"
"      --queue=on|off|always, --queue-dir=DIR, --queue-lifetime=TIME,\n"
"      --queue-notify=ADDRESS|'|COMMAND'\n"
"\n"
"Queue (a message that meets a temporary failure waits there):\n"
"      --flush[=due|all]    deliver the queued messages that are due (or all)\n"
"      --queue-list         list the queue: id, size, age, sender, recipients,\n"
"                           attempts, next try, last error\n"
"      --json               with --queue-list: the listing as JSON\n"
"      --queue-remove=ID    remove a message from the queue (or failed/)\n"
"      --queue-retry=ID     try a message now (also one in failed/)\n"
"\n"
"Other options:\n"
"  -P, --pretend            print the settings that would be used; send nothing\n"
"  -S, --serverinfo         print the server's greeting, capabilities (before\n"
"                           and after STARTTLS) and TLS certificate; send\n"
"                           nothing (an untrusted certificate is shown, exit 77)\n"
"  -d, -v, --debug[=body]   print the SMTP conversation (secrets redacted;\n"
"                           the message body only with =body)\n"
"      --help               print this help and exit\n"
"      --version            print version information and exit\n"
"\n"
"Exit status follows sysexits(3): 0 sent (or queued), 64 usage, 65 bad message,\n"
"66 no input, 67 unknown recipient, 68 unknown host, 69 refused,\n"
"75 temporary failure (queue off, full disk, --flush deferring), 76 protocol\n"
"error, 77 permission, 78 configuration.\n"),
	    out);
	fprintf(out, _("\nReport bugs to: %s\n"), PACKAGE_BUGREPORT);
}

void
cli_version(FILE *out)
{
	fprintf(out, "smtpsend %s\n", PACKAGE_VERSION);
	fprintf(out, _("TLS library: GnuTLS %s\n"), gnutls_check_version(NULL));
	fprintf(out, _("SASL library: GNU SASL %s\n"), gsasl_check_version(NULL));
#ifdef HAVE_LIBSECRET
	fputs(_("Keyring: libsecret (built in)\n"), out);
#else
	fputs(_("Keyring: none (built without libsecret)\n"), out);
#endif
#ifdef ENABLE_NLS
	fputs(_("Translations: yes\n"), out);
#else
	fputs(_("Translations: no\n"), out);
#endif
	fprintf(out, _("System configuration file: %s\n"),
	    SYSCONFDIR "/smtpsend.conf");
	fputs(_("Not yet implemented: LMTP, SOCKS proxy (see NEWS)\n"), out);
}
