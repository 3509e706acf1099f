/*
 * auth.c - SASL client mechanisms, checked step by step.
 */
#include <config.h>

#include <gsasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "buf.h"
#include "nls.h"
#include "xalloc.h"

enum kind { K_GSASL, K_XOAUTH2, K_OAUTHBEARER };

struct auth {
	const struct auth_config *cfg;
	char		 mech[64];
	enum kind	 kind;
	bool		 plus;		/* a -PLUS mechanism: binds to TLS */
	Gsasl		*ctx;
	Gsasl_session	*sess;
	int		 steps;
	bool		 complete;	/* our last message is out, server checked */
	bool		 started;	/* the first message (or step) happened */
	bool		 started_step;	/* a gsasl step succeeded once */
	char		 server_error[512];
};

/*
 * Strongest first.  -PLUS binds the exchange to the TLS session, so a man
 * in the middle who terminates TLS cannot relay it; SCRAM never shows the
 * password to the server; PLAIN and LOGIN send it (base64 is no cover)
 * and are used only inside TLS unless named.  CRAM-MD5 keeps the password
 * hidden but is weak, so it comes after PLAIN-inside-TLS.
 */
static const struct {
	const char	*name;
	bool		 plus;		/* needs channel binding data */
	bool		 exposes;	/* shows the password to an eavesdropper */
} preference[] = {
	{ "SCRAM-SHA-256-PLUS",	true,	false },
	{ "SCRAM-SHA-1-PLUS",	true,	false },
	{ "SCRAM-SHA-256",	false,	false },
	{ "SCRAM-SHA-1",	false,	false },
	{ "PLAIN",		false,	true },
	{ "CRAM-MD5",		false,	false },
	{ "LOGIN",		false,	true },
};

#define NPREF	(sizeof(preference) / sizeof(preference[0]))

static void
upper(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < size; i++)
		out[i] = in[i] >= 'a' && in[i] <= 'z' ? (char)(in[i] - 32) : in[i];
	out[i] = '\0';
}

static bool
offered_has(const char *offered, const char *mech)
{
	size_t		n = strlen(mech);
	const char	*p = offered;

	while ((p = strstr(p, mech)) != NULL) {
		if ((p == offered || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

static bool
ours(const char *mech)
{
	return strcmp(mech, "XOAUTH2") == 0 || strcmp(mech, "OAUTHBEARER") == 0;
}

static bool
library_has(const char *mech)
{
	Gsasl	*ctx;
	bool	 ok;

	if (ours(mech))
		return true;
	if (gsasl_init(&ctx) != GSASL_OK)
		return false;
	ok = gsasl_client_support_p(ctx, mech) != 0;
	gsasl_done(ctx);
	return ok;
}

bool
auth_is_oauth(const char *mech)
{
	return mech != NULL && (strcasecmp(mech, "xoauth2") == 0 ||
	    strcasecmp(mech, "oauthbearer") == 0);
}

bool
auth_needs_secret(const char *mech)
{
	char m[64];

	if (mech == NULL || strcasecmp(mech, "on") == 0)
		return true;
	upper(mech, m, sizeof(m));
	return strcmp(m, "EXTERNAL") != 0 && strcmp(m, "GSSAPI") != 0 &&
	    strcmp(m, "ANONYMOUS") != 0;
}

int
auth_choose(const struct auth_config *cfg, const char *offered, char *out,
    size_t size, struct err *e)
{
	char	want[64];
	size_t	i;

	if (cfg->mech != NULL && strcasecmp(cfg->mech, "on") != 0) {
		upper(cfg->mech, want, sizeof(want));
		if (!library_has(want))
			return err_set(e, ERR_CONFIG,
			    _("auth %s: this mechanism is not available "
			    "(GNU SASL %s does not have it)"), cfg->mech,
			    gsasl_check_version(NULL));
		if (!offered_has(offered, want))
			return err_set(e, ERR_UNAVAILABLE,
			    _("the server does not offer AUTH %s (it offers: %s)"),
			    want, offered);
		snprintf(out, size, "%s", want);
		return 0;
	}
	for (i = 0; i < NPREF; i++) {
		if (preference[i].plus && cfg->cb_data == NULL)
			continue;
		if (preference[i].exposes && !cfg->tls)
			continue;
		if (offered_has(offered, preference[i].name) &&
		    library_has(preference[i].name)) {
			snprintf(out, size, "%s", preference[i].name);
			return 0;
		}
	}
	return err_set(e, ERR_UNAVAILABLE, cfg->tls ?
	    _("the server offers no authentication mechanism smtpsend can use "
	    "(it offers: %s)") :
	    _("the server offers no authentication mechanism smtpsend uses "
	    "without TLS (it offers: %s; PLAIN and LOGIN would show the "
	    "password: turn TLS on, or name the mechanism with auth)"), offered);
}

/* ------------------------------------------------------------ GNU SASL */

static int
callback(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	struct auth		*a = gsasl_session_hook_get(sess);
	const struct auth_config *cfg = a->cfg;

	(void)ctx;
	switch (prop) {
	case GSASL_AUTHID:
		if (cfg->user == NULL)
			return GSASL_NO_AUTHID;
		return gsasl_property_set(sess, prop, cfg->user);
	case GSASL_PASSWORD:
		if (cfg->password == NULL || cfg->password->data == NULL)
			return GSASL_NO_PASSWORD;
		return gsasl_property_set(sess, prop, cfg->password->data);
	case GSASL_SERVICE:
		return gsasl_property_set(sess, prop, "smtp");
	case GSASL_HOSTNAME:
		if (cfg->host == NULL)
			return GSASL_NO_HOSTNAME;
		return gsasl_property_set(sess, prop, cfg->host);
	/*
	 * Binding data goes to the -PLUS mechanisms only: GNU SASL's plain
	 * SCRAM fails when it is offered some.  (The EHLO that listed the
	 * mechanisms came through TLS, so nobody could strip -PLUS from it.)
	 */
	case GSASL_CB_TLS_EXPORTER:
		if (!a->plus || cfg->cb_type == NULL ||
		    strcmp(cfg->cb_type, "tls-exporter") != 0)
			return GSASL_NO_CB_TLS_EXPORTER;
		return gsasl_property_set(sess, prop, cfg->cb_data);
	case GSASL_CB_TLS_UNIQUE:
		if (!a->plus || cfg->cb_type == NULL ||
		    strcmp(cfg->cb_type, "tls-unique") != 0)
			return GSASL_NO_CB_TLS_UNIQUE;
		return gsasl_property_set(sess, prop, cfg->cb_data);
	case GSASL_AUTHZID:
		return GSASL_NO_CALLBACK;	/* act as ourselves only */
	default:
		return GSASL_NO_CALLBACK;
	}
}

int
auth_begin(struct auth **out, const struct auth_config *cfg,
    const char *mech, struct err *e)
{
	struct auth	*a = xcalloc(1, sizeof(*a));
	int		 rc;

	*out = NULL;
	a->cfg = cfg;
	snprintf(a->mech, sizeof(a->mech), "%s", mech);
	a->plus = strlen(mech) > 5 &&
	    strcmp(mech + strlen(mech) - 5, "-PLUS") == 0;
	if (strcmp(mech, "XOAUTH2") == 0)
		a->kind = K_XOAUTH2;
	else if (strcmp(mech, "OAUTHBEARER") == 0)
		a->kind = K_OAUTHBEARER;
	else {
		a->kind = K_GSASL;
		if ((rc = gsasl_init(&a->ctx)) != GSASL_OK) {
			free(a);
			return err_set(e, ERR_OSERR, _("cannot start GNU SASL: %s"),
			    gsasl_strerror(rc));
		}
		gsasl_callback_set(a->ctx, callback);
		if ((rc = gsasl_client_start(a->ctx, mech, &a->sess)) != GSASL_OK) {
			gsasl_done(a->ctx);
			free(a);
			return err_set(e, ERR_CONFIG, _("cannot start AUTH %s: %s"),
			    mech, gsasl_strerror(rc));
		}
		gsasl_session_hook_set(a->sess, a);
	}
	*out = a;
	return 0;
}

void
auth_end(struct auth *a)
{
	if (a == NULL)
		return;
	if (a->sess != NULL)
		gsasl_finish(a->sess);
	if (a->ctx != NULL)
		gsasl_done(a->ctx);
	free(a);
}

void
auth_free_response(char *b64)
{
	if (b64 != NULL) {
		/* It may encode the password (PLAIN, LOGIN). */
		secret_wipe(b64, strlen(b64));
		gsasl_free(b64);
	}
}

/* base64 of raw[0..n), gsasl-allocated; the raw copy is the caller's. */
static int
encode(const char *raw, size_t n, char **b64, struct err *e)
{
	size_t	outlen;
	int	rc;

	if ((rc = gsasl_base64_to(raw, n, b64, &outlen)) != GSASL_OK)
		return err_set(e, ERR_OSERR, _("cannot encode base64: %s"),
		    gsasl_strerror(rc));
	return 0;
}

/* One gsasl step on raw input; output base64. */
static int
gsasl_round(struct auth *a, const char *in, size_t inlen, char **b64,
    struct err *e)
{
	char	*raw = NULL;
	size_t	 rawlen = 0;
	int	 rc;

	rc = gsasl_step(a->sess, in, inlen, &raw, &rawlen);
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
		if (raw != NULL) {
			secret_wipe(raw, rawlen);
			gsasl_free(raw);
		}
		/*
		 * GSSAPI's first step fails here without a usable ticket or
		 * service name: the user's credentials, not the server's
		 * protocol.
		 */
		if (!a->started_step && (rc == GSASL_GSSAPI_INIT_SEC_CONTEXT_ERROR ||
		    rc == GSASL_GSSAPI_ACQUIRE_CRED_ERROR ||
		    rc == GSASL_GSSAPI_IMPORT_NAME_ERROR))
			return err_set(e, ERR_NOPERM, _("AUTH %s: no usable Kerberos "
			    "credentials for this server (a ticket from kinit, for "
			    "the service smtp on this host name?): %s"), a->mech,
			    gsasl_strerror(rc));
		return err_set(e, rc == GSASL_AUTHENTICATION_ERROR ?
		    ERR_NOPERM : ERR_PROTOCOL, rc == GSASL_AUTHENTICATION_ERROR ?
		    _("AUTH %s: the server failed to prove it knows the "
		    "password (%s)") : _("AUTH %s: %s"), a->mech,
		    gsasl_strerror(rc));
	}
	a->complete = rc == GSASL_OK;
	a->started_step = true;
	rc = encode(raw != NULL ? raw : "", rawlen, b64, e);
	if (raw != NULL) {
		secret_wipe(raw, rawlen);
		gsasl_free(raw);
	}
	return rc;
}

/* ------------------------------------------------------------ OAuth */

/* RFC 5801 saslname: "=" and "," escaped as =3D and =2C. */
static int
add_saslname(struct buf *b, const char *s, struct err *e)
{
	for (; *s != '\0'; s++) {
		if (*s == '=') {
			if (buf_addstr(b, "=3D", e) == -1)
				return -1;
		} else if (*s == ',') {
			if (buf_addstr(b, "=2C", e) == -1)
				return -1;
		} else if (buf_addch(b, *s, e) == -1)
			return -1;
	}
	return 0;
}

static int
oauth_initial(struct auth *a, char **b64, struct err *e)
{
	const struct auth_config *cfg = a->cfg;
	struct buf	 b;
	int		 rc = -1;

	if (cfg->user == NULL || cfg->password == NULL ||
	    cfg->password->data == NULL)
		return err_set(e, ERR_CONFIG,
		    _("AUTH %s needs a user and a token"), a->mech);
	buf_init(&b, 64 * 1024, ERR_CONFIG, _("the OAuth token"));
	if (a->kind == K_XOAUTH2) {
		/* Google's format: user=U ^A auth=Bearer T ^A ^A */
		if (buf_printf(&b, e, "user=%s\001auth=Bearer %s\001\001",
		    cfg->user, cfg->password->data) == -1)
			goto out;
	} else {
		/* RFC 7628 section 3.1: gs2 header, then key=value pairs. */
		if (buf_addstr(&b, "n,a=", e) == -1 ||
		    add_saslname(&b, cfg->user, e) == -1 ||
		    buf_printf(&b, e, ",\001host=%s\001port=%d\001auth=Bearer "
		    "%s\001\001", cfg->host ? cfg->host : "", cfg->port,
		    cfg->password->data) == -1)
			goto out;
	}
	rc = encode(b.data, b.len, b64, e);
	a->complete = true;
out:
	if (b.data != NULL)
		secret_wipe(b.data, b.len);
	buf_release(&b);
	return rc;
}

/*
 * The one challenge OAuth mechanisms know: the server's JSON error after
 * a refused token.  Its text is kept for the error message, and the
 * answer is what the mechanism requires before the server's 535: an empty
 * response for XOAUTH2, a lone 0x01 for OAUTHBEARER (RFC 7628 3.2.3).
 */
static int
oauth_error(struct auth *a, const char *raw, size_t n, char **b64,
    struct err *e)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < sizeof(a->server_error); i++) {
		unsigned char c = (unsigned char)raw[i];

		a->server_error[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	a->server_error[o] = '\0';
	return a->kind == K_XOAUTH2 ? encode("", 0, b64, e) :
	    encode("\001", 1, b64, e);
}

/* ------------------------------------------------------------ steps */

/* RFC 4648 base64 as SMTP carries it: the alphabet and padding only. */
static bool
is_base64(const char *s, size_t n)
{
	size_t i, pad = 0;

	if (n % 4 != 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	return pad <= 2;
}

int
auth_initial(struct auth *a, char **b64, struct err *e)
{
	const char *m = a->mech;

	*b64 = NULL;
	a->started = true;
	if (a->kind != K_GSASL)
		return oauth_initial(a, b64, e);
	/*
	 * Client-first mechanisms put their first message on the AUTH line
	 * (RFC 4954 section 4); LOGIN and CRAM-MD5 wait for the server.
	 */
	if (strcmp(m, "LOGIN") == 0 || strcmp(m, "CRAM-MD5") == 0 ||
	    strcmp(m, "DIGEST-MD5") == 0)
		return 0;
	return gsasl_round(a, "", 0, b64, e);
}

int
auth_step(struct auth *a, const char *challenge, size_t len, char **b64,
    struct err *e)
{
	char	*raw = NULL;
	size_t	 rawlen = 0;
	int	 rc;

	*b64 = NULL;
	if (++a->steps > AUTH_MAX_STEPS)
		return err_set(e, ERR_PROTOCOL,
		    _("AUTH %s: the server sent more than %d challenges"),
		    a->mech, AUTH_MAX_STEPS);
	if (!is_base64(challenge, len))
		return err_set(e, ERR_PROTOCOL,
		    _("AUTH %s: the server's challenge is not base64"), a->mech);
	if (a->kind != K_GSASL) {
		if (a->server_error[0] != '\0' || a->steps > 1)
			return err_set(e, ERR_PROTOCOL,
			    _("AUTH %s: the server asked for more after the "
			    "mechanism was complete"), a->mech);
		if ((rc = gsasl_base64_from(challenge, len, &raw, &rawlen)) !=
		    GSASL_OK)
			return err_set(e, ERR_PROTOCOL,
			    _("AUTH %s: the server's challenge is not base64"),
			    a->mech);
		rc = oauth_error(a, raw, rawlen, b64, e);
		gsasl_free(raw);
		return rc;
	}
	if (a->complete)
		return err_set(e, ERR_PROTOCOL,
		    _("AUTH %s: the server asked for more after the mechanism "
		    "was complete"), a->mech);
	if (len > 0 && (rc = gsasl_base64_from(challenge, len, &raw, &rawlen)) !=
	    GSASL_OK)
		return err_set(e, ERR_PROTOCOL,
		    _("AUTH %s: the server's challenge is not base64"), a->mech);
	rc = gsasl_round(a, raw != NULL ? raw : "", rawlen, b64, e);
	gsasl_free(raw);
	return rc;
}

bool
auth_complete(const struct auth *a)
{
	return a->complete && a->server_error[0] == '\0';
}

const char *
auth_server_error(const struct auth *a)
{
	return a->server_error[0] != '\0' ? a->server_error : NULL;
}
