/*
 * submit.c - TLS context, secret, SMTP session for one prepared message.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "nls.h"
#include "secret.h"
#include "submit.h"
#include "tls.h"
#include "transcript.h"
#include "xalloc.h"

void
submit_warn(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "smtpsend: %s: %s\n", _("warning"), text);
}

void
submit_warn_delivered(const char *id, char *const *rcpts, size_t n,
    const bool *done)
{
	char	list[400], *w;
	size_t	i, k = 0, o = 0;

	list[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!done[i])
			continue;
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
			    k > 0 ? " " : "", rcpts[i]);
		k++;
	}
	if (o >= sizeof(list))
		memcpy(list + sizeof(list) - 4, "...", 4);
	w = xasprintf(_("%s%ssent to %zu of %zu recipients: %s"),
	    id != NULL ? id : "", id != NULL ? ": " : "", k, n, list);
	submit_warn(NULL, w);
	free(w);
}

/* The TLS context for the account, or NULL when tls is off. */
static int
make_tls(const struct run_account *ra, struct tls_ctx **out, struct err *e)
{
	const struct account	*a = ra->acct;
	struct tls_config	 cfg;

	*out = NULL;
	if (!a->tls)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.host = a->tls_host_override != NULL && *a->tls_host_override != '\0' ?
	    a->tls_host_override : a->host;
	cfg.trust_file = a->tls_trust_file;
	cfg.crl_file = a->tls_crl_file;
	cfg.fingerprint = a->tls_fingerprint != NULL && *a->tls_fingerprint != '\0' ?
	    a->tls_fingerprint : NULL;
	cfg.certcheck = a->tls_certcheck;
	cfg.cert_file = a->tls_cert_file;
	cfg.key_file = a->tls_key_file;
	cfg.priorities = a->tls_priorities;
	cfg.min_dh_prime_bits = a->tls_min_dh_prime_bits > 0 ?
	    a->tls_min_dh_prime_bits : 0;
	cfg.warn = submit_warn;
	if (cfg.host == NULL && cfg.certcheck && cfg.fingerprint == NULL)
		return err_set(e, ERR_CONFIG, _("TLS over a local socket needs "
		    "tls_host_override (the name to verify) or tls_fingerprint"));
	return tls_ctx_new(out, &cfg, e);
}

static void
set_smtp_params(struct smtp_params *sp, const struct run_account *ra,
    struct tls_ctx *tls, struct transcript *tr)
{
	memset(sp, 0, sizeof(*sp));
	sp->host = ra->acct->host;
	sp->port = ra->port;
	sp->socket_path = ra->acct->socket;
	sp->source_ip = ra->acct->source_ip;
	sp->helo = ra->helo;
	sp->timeout_s = ra->timeout_s;
	sp->tr = tr;
	sp->tls = tls;
	sp->starttls = ra->acct->tls_starttls;
	sp->lmtp = ra->acct->protocol == PROTO_LMTP;
}

/*
 * The AUTH settings, with the password or token fetched now: before the
 * connection, so a prompt or a slow passwordeval cannot make the server
 * time out, and a missing secret is found before anything is sent.
 */
static int
make_auth(const struct run_account *ra, struct auth_config *ac,
    struct secret *pw, const char **source, struct err *e)
{
	const struct account	*a = ra->acct;
	struct secret_query	 q;

	memset(ac, 0, sizeof(*ac));
	if (a->auth == NULL)
		return 0;
	ac->mech = a->auth;
	ac->user = a->user;
	ac->host = a->host;
	ac->port = ra->port;
	if (!auth_needs_secret(a->auth))
		return 0;
	memset(&q, 0, sizeof(q));
	q.password = a->password;
	q.passwordeval = a->passwordeval;
	q.host = a->host;
	q.user = a->user;
	q.home = getenv("HOME");
	q.system_netrc = SYSCONFDIR "/netrc";
	q.timeout_s = ra->timeout_s;
	q.prompt = true;
	q.what = auth_is_oauth(a->auth) ? _("token") : _("password");
	if (secret_fetch(&q, pw, source, e) == -1)
		return -1;
	ac->password = pw;
	return 0;
}

int
submit(const struct submit_job *j, struct smtp_result *res, struct err *e)
{
	const struct run_account *ra = j->ra;
	struct smtp_params	 sp;
	struct transcript	*tr = NULL;
	struct tls_ctx		*tls = NULL;
	struct secret		 password;
	struct auth_config	 ac;
	const char		*pw_source = NULL;
	int			 rc = -1;

	secret_init(&password);
	if (make_tls(ra, &tls, e) == -1 ||
	    make_auth(ra, &ac, &password, &pw_source, e) == -1)
		goto out;
	if (j->debug > 0)
		tr = transcript_new(stderr, j->debug > 1 ? TR_BODY : 0);
	set_smtp_params(&sp, ra, tls, tr);
	sp.dsn_notify = j->dsn_notify;
	sp.dsn_return = j->dsn_return;
	sp.envid = j->envid;
	sp.body = j->body;
	sp.size = j->size;
	sp.smtputf8 = j->smtputf8;
	if (ra->acct->auth != NULL) {
		sp.auth = &ac;
		if (pw_source != NULL)
			transcript_note(tr, _("the %s comes from %s"),
			    auth_is_oauth(ac.mech) ? _("token") : _("password"),
			    pw_source);
	}
	rc = smtp_submit(&sp, j->sender, j->rcpts, j->nrcpts, j->done, j->src,
	    res, e);
	if (rc == 0 && res->warning[0] != '\0')
		submit_warn(NULL, res->warning);
out:
	transcript_free(tr);
	tls_ctx_free(tls);
	secret_release(&password);
	return rc;
}

int
submit_serverinfo(const struct run_account *ra, int debug, FILE *out,
    struct err *e)
{
	struct smtp_params	 sp;
	struct transcript	*tr = NULL;
	struct tls_ctx		*tls = NULL;
	int			 rc;

	if (make_tls(ra, &tls, e) == -1)
		return -1;
	if (debug > 0)
		tr = transcript_new(stderr, 0);
	set_smtp_params(&sp, ra, tls, tr);
	rc = smtp_serverinfo(&sp, out, e);
	transcript_free(tr);
	tls_ctx_free(tls);
	return rc;
}

void
submit_log(const struct run_account *ra, const char *sender,
    char *const *rcpts, size_t nrcpts, const struct smtp_result *res,
    const struct err *e, const char *queue_id, const char *queue_state)
{
	const struct account	*a = ra->acct;
	struct log_entry	 le;
	struct err		 le_err;

	if (a == NULL ||
	    ((a->logfile == NULL || *a->logfile == '\0') && a->syslog == NULL))
		return;
	memset(&le, 0, sizeof(le));
	le.host = a->socket != NULL ? a->socket : a->host;
	le.tls = res->tls;
	le.auth = res->auth;
	le.user = a->user;
	le.from = sender;
	le.rcpts = rcpts;
	le.nrcpts = nrcpts;
	le.mailsize = res->size;
	le.smtpstatus = res->code;
	le.server_id = res->server_id;
	le.smtpmsg = e->server[0] != '\0' ? e->server : NULL;
	le.errormsg = e->kind != ERR_NONE ? e->text : NULL;
	le.queue_id = queue_id;
	le.queue_state = queue_state;
	le.exitcode = err_exit_code(e);
	err_init(&le_err);
	if (log_message(a->logfile, a->logfile_time_format, a->syslog, &le,
	    &le_err) == -1)
		submit_warn(NULL, le_err.text);
}
