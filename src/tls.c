/*
 * tls.c - GnuTLS under smtpsend's connection and deadlines.
 */
#include <config.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nls.h"
#include "tls.h"
#include "wipe.h"
#include "xalloc.h"

/*
 * TLS 1.2 and 1.3 only (RFC 8996 deprecates the older versions, RFC 8314
 * requires 1.2 at least).  A user's priority string is taken as given,
 * and the negotiated version is checked after the handshake instead.
 */
#define DEFAULT_PRIORITIES \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* Enough for any handshake that is still moving; a loop must end. */
#define HANDSHAKE_MAX_ROUNDS	10000

struct tls_ctx {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t	 prio;
	struct tls_config	 cfg;
	char			*pin;		/* normalised hex, upper case */
	gnutls_digest_algorithm_t pin_algo;
	bool			 verify_chain;	/* chain + name, no pin */
};

struct tls {
	gnutls_session_t	 session;
	struct conn		*conn;
};

const char *
tls_library_version(void)
{
	return gnutls_check_version(NULL);
}

static void
warn(const struct tls_config *cfg, const char *text)
{
	if (cfg->warn != NULL)
		cfg->warn(cfg->warn_ctx, text);
}

/*
 * "aa:BB cc" -> "AABBCC".  SHA-256 pins are what smtpsend documents;
 * SHA-1 pins are accepted, with a warning, because msmtp configurations
 * have them; MD5 pins are refused.
 */
static int
parse_pin(struct tls_ctx *t, const char *fp, struct err *e)
{
	size_t	i, n = 0, len = strlen(fp);
	char	*out = xmalloc(len + 1);

	for (i = 0; i < len; i++) {
		char c = fp[i];

		if (c == ':' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
			free(out);
			return err_set(e, ERR_CONFIG,
			    _("tls_fingerprint: '%c' is not a hexadecimal digit"),
			    fp[i]);
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (n == 64)
		t->pin_algo = GNUTLS_DIG_SHA256;
	else if (n == 40) {
		t->pin_algo = GNUTLS_DIG_SHA1;
		warn(&t->cfg, _("tls_fingerprint is a SHA-1 fingerprint; "
		    "SHA-1 is weak: use the SHA-256 fingerprint instead"));
	} else {
		free(out);
		return err_set(e, ERR_CONFIG, n == 32 ?
		    _("tls_fingerprint: MD5 fingerprints are not accepted; "
		    "use the SHA-256 fingerprint") :
		    _("tls_fingerprint: %zu hexadecimal digits; a SHA-256 "
		    "fingerprint has 64"), n);
	}
	t->pin = out;
	return 0;
}

int
tls_ctx_new(struct tls_ctx **out, const struct tls_config *cfg,
    struct err *e)
{
	struct tls_ctx	*t = xcalloc(1, sizeof(*t));
	const char	*errpos = NULL;
	int		 rc;

	*out = NULL;
	t->cfg = *cfg;
	if ((rc = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		free(t);
		return err_set(e, ERR_OSERR, _("cannot start GnuTLS: %s"),
		    gnutls_strerror(rc));
	}
	/* Checked here, so a bad string is found before connecting. */
	rc = gnutls_priority_init(&t->prio, cfg->priorities != NULL &&
	    *cfg->priorities != '\0' ? cfg->priorities : DEFAULT_PRIORITIES,
	    &errpos);
	if (rc < 0) {
		t->prio = NULL;
		err_set(e, ERR_CONFIG, _("tls_priorities: %s at '%s'"),
		    gnutls_strerror(rc), errpos ? errpos : "");
		goto fail;
	}
	if (cfg->certcheck && cfg->fingerprint != NULL &&
	    parse_pin(t, cfg->fingerprint, e) == -1)
		goto fail;
	t->verify_chain = cfg->certcheck && t->pin == NULL;
	if (!cfg->certcheck)
		warn(cfg, _("tls_certcheck is off: the server's certificate is "
		    "not checked, so anyone on the way can read and change "
		    "this session, password and message included"));
	/*
	 * Loading the system store costs tens of milliseconds: only when it
	 * is what verification will use.
	 */
	if (t->verify_chain) {
		if (cfg->trust_file == NULL) {
			rc = gnutls_certificate_set_x509_system_trust(t->cred);
			if (rc < 0) {
				err_set(e, ERR_CONFIG,
				    _("cannot load the system's trusted "
				    "certificates: %s (set tls_trust_file)"),
				    gnutls_strerror(rc));
				goto fail;
			}
		} else if (*cfg->trust_file != '\0') {
			rc = gnutls_certificate_set_x509_trust_file(t->cred,
			    cfg->trust_file, GNUTLS_X509_FMT_PEM);
			if (rc <= 0) {
				err_set(e, ERR_CONFIG,
				    _("tls_trust_file '%s': %s"), cfg->trust_file,
				    rc == 0 ? _("no certificate in it") :
				    gnutls_strerror(rc));
				goto fail;
			}
		}
		if (cfg->crl_file != NULL && *cfg->crl_file != '\0' &&
		    (rc = gnutls_certificate_set_x509_crl_file(t->cred,
		    cfg->crl_file, GNUTLS_X509_FMT_PEM)) < 0) {
			err_set(e, ERR_CONFIG, _("tls_crl_file '%s': %s"),
			    cfg->crl_file, gnutls_strerror(rc));
			goto fail;
		}
	}
	if ((cfg->cert_file != NULL) != (cfg->key_file != NULL)) {
		err_set(e, ERR_CONFIG, cfg->cert_file != NULL ?
		    _("tls_cert_file needs tls_key_file") :
		    _("tls_key_file needs tls_cert_file"));
		goto fail;
	}
	if (cfg->cert_file != NULL &&
	    (rc = gnutls_certificate_set_x509_key_file2(t->cred,
	    cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		char	c[1024], k[1024];

		/* A PKCS #11 URI's PIN stays out of the message (and the log). */
		err_set(e, ERR_CONFIG,
		    _("tls_cert_file '%s' with tls_key_file '%s': %s"),
		    secret_shown(cfg->cert_file, c, sizeof(c)),
		    secret_shown(cfg->key_file, k, sizeof(k)), gnutls_strerror(rc));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	tls_ctx_free(t);
	return -1;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	gnutls_certificate_free_credentials(t->cred);
	if (t->prio != NULL)
		gnutls_priority_deinit(t->prio);
	free(t->pin);
	free(t);
}

/* ------------------------------------------------------------ transport */

static int
direction(gnutls_session_t s)
{
	return gnutls_record_get_direction(s) ? CONN_AGAIN_WRITE :
	    CONN_AGAIN_READ;
}

static ssize_t
record_error(struct tls *t, ssize_t rc, bool sending, struct err *e)
{
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return direction(t->session);
	if (rc == GNUTLS_E_PREMATURE_TERMINATION || rc == GNUTLS_E_PULL_ERROR ||
	    rc == GNUTLS_E_PUSH_ERROR)
		return err_set(e, ERR_TEMPFAIL, sending ?
		    _("connection closed by %s while sending (TLS: %s)") :
		    _("connection closed by %s (TLS: %s)"),
		    conn_peer(t->conn), gnutls_strerror((int)rc));
	return err_set(e, ERR_PROTOCOL, _("TLS error from %s: %s"),
	    conn_peer(t->conn), gnutls_strerror((int)rc));
}

static ssize_t
tls_recv(void *ctx, void *buf, size_t len, struct err *e)
{
	struct tls	*t = ctx;
	ssize_t		 rc;

	rc = gnutls_record_recv(t->session, buf, len);
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_REHANDSHAKE)
		return err_set(e, ERR_PROTOCOL,
		    _("%s asked for a TLS renegotiation, which smtpsend refuses"),
		    conn_peer(t->conn));
	return record_error(t, rc, false, e);
}

static ssize_t
tls_send(void *ctx, const void *buf, size_t len, struct err *e)
{
	struct tls	*t = ctx;
	ssize_t		 rc;

	rc = gnutls_record_send(t->session, buf, len);
	if (rc >= 0)
		return rc;
	return record_error(t, rc, true, e);
}

static const struct conn_transport tls_transport = {
	"tls", tls_recv, tls_send
};

/* ------------------------------------------------------------ the peer */

static void
format_time(time_t when, char *out, size_t size)
{
	struct tm tm;

	if (when == (time_t)-1 || gmtime_r(&when, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, size, "?");
}

static void
hex_colons(const unsigned char *p, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 3 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%02X", i ? ":" : "",
		    p[i]);
}

static void
copy_datum(const gnutls_datum_t *d, char *out, size_t size)
{
	size_t i, n = d->size < size - 1 ? d->size : size - 1;

	for (i = 0; i < n; i++) {
		unsigned char c = d->data[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

static void
read_names(gnutls_x509_crt_t crt, char *out, size_t size)
{
	char		 name[256];
	size_t		 len, o = 0;
	unsigned int	 i;
	int		 type;

	out[0] = '\0';
	for (i = 0; i < 64; i++) {
		len = sizeof(name) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &len,
		    NULL);
		if (type < 0)
			break;
		if (type == GNUTLS_SAN_IPADDRESS) {
			char addr[64];
			int af = len == 4 ? AF_INET : AF_INET6;

			if ((len != 4 && len != 16) ||
			    inet_ntop(af, name, addr, sizeof(addr)) == NULL)
				continue;
			snprintf(name, sizeof(name), "%s", addr);
		} else if (type == GNUTLS_SAN_DNSNAME)
			name[len] = '\0';
		else
			continue;
		if (o + strlen(name) + 3 >= size)
			break;
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "",
		    name);
	}
}

/* Fills everything about the server's certificate; false if none. */
static bool
describe_peer(gnutls_session_t s, struct tls_peer *peer)
{
	const gnutls_datum_t	*list;
	unsigned int		 n = 0;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 dn;
	unsigned char		 digest[64];
	size_t			 dlen;

	list = gnutls_certificate_get_peers(s, &n);
	if (list == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, &list[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return false;
	}
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		copy_datum(&dn, peer->subject, sizeof(peer->subject));
		gnutls_free(dn.data);
	}
	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) >= 0) {
		copy_datum(&dn, peer->issuer, sizeof(peer->issuer));
		gnutls_free(dn.data);
	}
	format_time(gnutls_x509_crt_get_activation_time(crt), peer->not_before,
	    sizeof(peer->not_before));
	format_time(gnutls_x509_crt_get_expiration_time(crt), peer->not_after,
	    sizeof(peer->not_after));
	read_names(crt, peer->names, sizeof(peer->names));
	dlen = sizeof(digest);
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest,
	    &dlen) >= 0)
		hex_colons(digest, dlen, peer->sha256, sizeof(peer->sha256));
	dlen = sizeof(digest);
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA1, digest,
	    &dlen) >= 0)
		hex_colons(digest, dlen, peer->sha1, sizeof(peer->sha1));
	gnutls_x509_crt_deinit(crt);
	return true;
}

static bool
same_hex(const char *colons, const char *plain)
{
	for (; *colons != '\0'; colons++) {
		if (*colons == ':')
			continue;
		if (*plain++ != *colons)
			return false;
	}
	return *plain == '\0';
}

/* Says, in the user's terms, why a chain is not trusted, and what to do. */
static void
explain_status(unsigned int status, const struct tls_ctx *t,
    const struct tls_peer *peer, char *out, size_t size)
{
	const char *host = t->cfg.host;

	if (status & GNUTLS_CERT_EXPIRED)
		snprintf(out, size, _("the server's certificate expired on %s"),
		    peer->not_after);
	else if (status & GNUTLS_CERT_NOT_ACTIVATED)
		snprintf(out, size,
		    _("the server's certificate is not valid before %s"),
		    peer->not_before);
	else if (status & GNUTLS_CERT_REVOKED)
		snprintf(out, size, _("the server's certificate is revoked"));
	else if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND |
	    GNUTLS_CERT_SIGNER_NOT_CA))
		snprintf(out, size,
		    _("the server's certificate is not trusted: its issuer '%s' "
		    "is not a trusted authority%s; trust that authority with "
		    "tls_trust_file, or pin this certificate with "
		    "'tls_fingerprint %s'"), peer->issuer,
		    t->cfg.trust_file != NULL && *t->cfg.trust_file == '\0' ?
		    _(" (tls_trust_file is empty)") : "", peer->sha256);
	else if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		snprintf(out, size, _("the server's certificate is signed with "
		    "an insecure algorithm"));
	else if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		snprintf(out, size, _("the server's certificate is for %s, not "
		    "for '%s'; if that is the right server, set "
		    "tls_host_override to one of its names"),
		    peer->names[0] != '\0' ? peer->names : peer->subject, host);
	else {
		gnutls_datum_t text;

		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &text, 0) >= 0) {
			snprintf(out, size, _("the server's certificate is not "
			    "trusted: %.*s"), (int)text.size, text.data);
			gnutls_free(text.data);
		} else
			snprintf(out, size, _("the server's certificate is not "
			    "trusted"));
	}
}

/* Decides whether to trust the server; fills peer->verdict either way. */
static bool
verify(struct tls *s, const struct tls_ctx *t, struct tls_peer *peer)
{
	unsigned int	status = 0;
	int		rc;

	if (!t->cfg.certcheck) {
		snprintf(peer->verdict, sizeof(peer->verdict),
		    _("not checked (tls_certcheck off)"));
		return true;
	}
	if (!peer->have_cert) {
		snprintf(peer->verdict, sizeof(peer->verdict),
		    _("the server sent no certificate"));
		return false;
	}
	if (t->pin != NULL) {
		if (same_hex(t->pin_algo == GNUTLS_DIG_SHA256 ? peer->sha256 :
		    peer->sha1, t->pin)) {
			snprintf(peer->verdict, sizeof(peer->verdict),
			    _("trusted: matches tls_fingerprint"));
			return true;
		}
		snprintf(peer->verdict, sizeof(peer->verdict),
		    _("the server's certificate does not match tls_fingerprint "
		    "(its SHA-256 fingerprint is %s)"), peer->sha256);
		return false;
	}
	rc = gnutls_certificate_verify_peers3(s->session, t->cfg.host, &status);
	if (rc < 0) {
		snprintf(peer->verdict, sizeof(peer->verdict),
		    _("the server's certificate cannot be verified: %s"),
		    gnutls_strerror(rc));
		return false;
	}
	if (status != 0) {
		explain_status(status, t, peer, peer->verdict,
		    sizeof(peer->verdict));
		return false;
	}
	snprintf(peer->verdict, sizeof(peer->verdict),
	    _("trusted: a valid chain for '%s'"), t->cfg.host);
	return true;
}

/* ------------------------------------------------------------ handshake */

static bool
is_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

static int
handshake_error(struct tls *s, int rc, struct err *e)
{
	const char			*peer = conn_peer(s->conn);
	gnutls_alert_description_t	 alert;

	switch (rc) {
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return err_set(e, ERR_TEMPFAIL,
		    _("connection closed by %s during the TLS handshake"), peer);
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_INSUFFICIENT_SECURITY:
		return err_set(e, ERR_UNAVAILABLE,
		    _("%s offers no TLS version smtpsend accepts (TLS 1.2 or "
		    "later): %s"), peer, gnutls_strerror(rc));
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		alert = gnutls_alert_get(s->session);
		if (alert == GNUTLS_A_PROTOCOL_VERSION ||
		    alert == GNUTLS_A_INSUFFICIENT_SECURITY)
			return err_set(e, ERR_UNAVAILABLE,
			    _("%s offers no TLS version smtpsend accepts (TLS 1.2 "
			    "or later): %s"), peer, gnutls_alert_get_name(alert));
		return err_set(e, ERR_PROTOCOL,
		    _("%s refused the TLS handshake: %s"), peer,
		    gnutls_alert_get_name(alert));
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
		return err_set(e, ERR_PROTOCOL,
		    _("%s does not speak TLS here (%s); implicit TLS is usually "
		    "port 465 with tls_starttls off, STARTTLS port 587 with "
		    "tls_starttls on"), peer, gnutls_strerror(rc));
	default:
		return err_set(e, ERR_PROTOCOL, _("TLS handshake with %s failed: %s"),
		    peer, gnutls_strerror(rc));
	}
}

int
tls_start(struct tls **out, struct tls_ctx *t, struct conn *c,
    struct tls_peer *peer, bool enforce, struct err *e)
{
	struct tls	*s = xcalloc(1, sizeof(*s));
	int		 rc, rounds;

	*out = NULL;
	memset(peer, 0, sizeof(*peer));
	s->conn = c;
	if ((rc = gnutls_init(&s->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0) {
		free(s);
		return err_set(e, ERR_OSERR, _("cannot start GnuTLS: %s"),
		    gnutls_strerror(rc));
	}
	if ((rc = gnutls_priority_set(s->session, t->prio)) < 0) {
		err_set(e, ERR_OSERR, _("cannot start GnuTLS: %s"),
		    gnutls_strerror(rc));
		goto fail;
	}
	if ((rc = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE,
	    t->cred)) < 0) {
		err_set(e, ERR_OSERR, _("cannot start GnuTLS: %s"),
		    gnutls_strerror(rc));
		goto fail;
	}
	/* RFC 6066 section 3: SNI carries host names, never addresses. */
	if (t->cfg.host != NULL && !is_address(t->cfg.host))
		(void)gnutls_server_name_set(s->session, GNUTLS_NAME_DNS,
		    t->cfg.host, strlen(t->cfg.host));
	if (t->cfg.min_dh_prime_bits > 0)
		gnutls_dh_set_prime_bits(s->session,
		    (unsigned)t->cfg.min_dh_prime_bits);
	gnutls_transport_set_int(s->session, conn_fd(c));
	/*
	 * Each flight in one segment where it fits, and the last one (the
	 * client's Finished) with the first command after it: every wait
	 * for the server uncorks (conn.c).
	 */
	conn_cork(c);

	/*
	 * Non-blocking: every GNUTLS_E_AGAIN waits in poll() under the
	 * connection's deadline, so a stalling server ends in a timeout.
	 */
	for (rounds = 0;; rounds++) {
		rc = gnutls_handshake(s->session);
		if (rc == 0)
			break;
		if (rounds >= HANDSHAKE_MAX_ROUNDS) {
			err_set(e, ERR_PROTOCOL,
			    _("TLS handshake with %s does not end"), conn_peer(c));
			goto fail;
		}
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (conn_wait(c, direction(s->session), e) == -1)
				goto fail;
			conn_cork(c);	/* the wait let the last flight go */
			continue;
		}
		if (!gnutls_error_is_fatal(rc))
			continue;	/* a warning alert: go on */
		handshake_error(s, rc, e);
		goto fail;
	}
	snprintf(peer->version, sizeof(peer->version), "%s",
	    gnutls_protocol_get_name(gnutls_protocol_get_version(s->session)));
	{
		char *desc = gnutls_session_get_desc(s->session);

		snprintf(peer->session, sizeof(peer->session), "%s",
		    desc ? desc : peer->version);
		gnutls_free(desc);
	}
	{
		gnutls_protocol_t v = gnutls_protocol_get_version(s->session);

		if (v != GNUTLS_TLS1_2 && v != GNUTLS_TLS1_3) {
			err_set(e, ERR_UNAVAILABLE,
			    _("%s negotiated %s; smtpsend needs TLS 1.2 or later"),
			    conn_peer(c), peer->version);
			goto fail;
		}
	}
	peer->have_cert = describe_peer(s->session, peer);
	peer->trusted = verify(s, t, peer);
	if (!peer->trusted && enforce) {
		err_set(e, ERR_NOPERM, _("TLS with %s: %s"), conn_peer(c),
		    peer->verdict);
		goto fail;
	}
	conn_set_transport(c, &tls_transport, s);
	/* The largest record this session allows (16 KiB unless limited). */
	conn_set_write_unit(c, gnutls_record_get_max_size(s->session));
	*out = s;
	return 0;
fail:
	gnutls_deinit(s->session);
	free(s);
	return -1;
}

int
tls_channel_binding(struct tls *s, const char **type, char **b64)
{
	gnutls_datum_t		 cb, enc;
	gnutls_channel_binding_t kind;

	*b64 = NULL;
	if (gnutls_protocol_get_version(s->session) == GNUTLS_TLS1_3) {
		kind = GNUTLS_CB_TLS_EXPORTER;
		*type = "tls-exporter";
	} else {
		kind = GNUTLS_CB_TLS_UNIQUE;
		*type = "tls-unique";
	}
	if (gnutls_session_channel_binding(s->session, kind, &cb) < 0)
		return -1;
	if (gnutls_base64_encode2(&cb, &enc) < 0) {
		gnutls_free(cb.data);
		return -1;
	}
	gnutls_free(cb.data);
	*b64 = xstrndup((const char *)enc.data, enc.size);
	gnutls_free(enc.data);
	return 0;
}

void
tls_free(struct tls *s)
{
	if (s == NULL)
		return;
	gnutls_deinit(s->session);
	free(s);
}
