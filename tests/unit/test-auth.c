/*
 * test-auth.c - mechanism choice and the step checks (no network: the
 * server's side is played here by hand).
 */
#include <config.h>

#include <gsasl.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "tap.h"

static struct secret	pw;

static void
config(struct auth_config *c, const char *mech, bool tls)
{
	memset(c, 0, sizeof(*c));
	c->mech = mech;
	c->user = "joe";
	c->password = &pw;
	c->host = "mx.test";
	c->port = 587;
	c->tls = tls;
}

static const char *
choose(struct auth_config *c, const char *offered, struct err *e)
{
	static char out[64];

	err_init(e);
	if (auth_choose(c, offered, out, sizeof(out), e) == -1)
		return NULL;
	return out;
}

static char *
decode(const char *b64, size_t *n)
{
	char *raw = NULL;

	if (gsasl_base64_from(b64, strlen(b64), &raw, n) != GSASL_OK)
		return NULL;
	return raw;
}

int
main(void)
{
	struct auth_config	 c;
	struct auth		*a;
	struct err		 e;
	char			*out, *raw, *b64;
	size_t			 n;
	int			 rc;

	secret_init(&pw);
	secret_set(&pw, "s3cret", 6);

	config(&c, "on", true);
	is_str(choose(&c, "PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5", &e),
	    "SCRAM-SHA-256", "the strongest offered");
	is_str(choose(&c, "PLAIN LOGIN CRAM-MD5", &e), "PLAIN",
	    "PLAIN before CRAM-MD5 inside TLS");
	is_str(choose(&c, "LOGIN", &e), "LOGIN", "LOGIN inside TLS");
	is_str(choose(&c, "SCRAM-SHA-256-PLUS SCRAM-SHA-256", &e), "SCRAM-SHA-256",
	    "no -PLUS without channel binding data");
	c.cb_type = "tls-exporter";
	c.cb_data = "AAAA";
	is_str(choose(&c, "SCRAM-SHA-256-PLUS SCRAM-SHA-256", &e),
	    "SCRAM-SHA-256-PLUS", "-PLUS with channel binding data");
	config(&c, "on", false);
	is_str(choose(&c, "PLAIN LOGIN CRAM-MD5", &e), "CRAM-MD5",
	    "without TLS, nothing that shows the password");
	ok(choose(&c, "PLAIN LOGIN", &e) == NULL && e.kind == ERR_UNAVAILABLE,
	    "without TLS, PLAIN and LOGIN alone: refused");
	ok(strstr(e.text, "PLAIN LOGIN") != NULL, "the error names the offer: %s",
	    e.text);
	ok(choose(&c, "XOAUTH2 GSSAPI", &e) == NULL,
	    "OAuth and GSSAPI only when named");
	config(&c, "plain", false);
	is_str(choose(&c, "PLAIN LOGIN", &e), "PLAIN",
	    "a named mechanism is used even without TLS");
	config(&c, "xoauth2", true);
	is_str(choose(&c, "PLAIN XOAUTH2", &e), "XOAUTH2", "XOAUTH2 named");
	config(&c, "cram-md5", true);
	ok(choose(&c, "PLAIN", &e) == NULL && e.kind == ERR_UNAVAILABLE,
	    "a named mechanism the server lacks: refused");
	config(&c, "no-such-mech", true);
	ok(choose(&c, "NO-SUCH-MECH", &e) == NULL && e.kind == ERR_CONFIG,
	    "a mechanism nobody implements: configuration error");
	ok(choose(&c, "PLAINX", &e) == NULL, "names match whole words only");

	ok(auth_needs_secret("on") && auth_needs_secret("plain") &&
	    !auth_needs_secret("external") && !auth_needs_secret("GSSAPI"),
	    "which mechanisms need a secret");

	/* PLAIN: the payload is complete at once; a further 334 is refused. */
	config(&c, "plain", true);
	err_init(&e);
	ok(auth_begin(&a, &c, "PLAIN", &e) == 0, "PLAIN begins");
	ok(auth_initial(a, &out, &e) == 0 && out != NULL, "PLAIN initial response");
	raw = decode(out, &n);
	ok(raw != NULL && n == 11 && memcmp(raw, "\0joe\0s3cret", 11) == 0,
	    "PLAIN payload is NUL joe NUL password");
	free(raw);
	auth_free_response(out);
	ok(auth_complete(a), "PLAIN complete after its initial response");
	err_init(&e);
	rc = auth_step(a, "", 0, &out, &e);
	ok(rc == -1 && e.kind == ERR_PROTOCOL && out == NULL,
	    "a 334 after PLAIN is complete is refused, nothing sent");
	auth_end(a);

	/* LOGIN: server first; bad base64 refused before any password. */
	config(&c, "login", true);
	auth_begin(&a, &c, "LOGIN", &e);
	ok(auth_initial(a, &out, &e) == 0 && out == NULL,
	    "LOGIN has no initial response");
	err_init(&e);
	ok(auth_step(a, "VXNlcm5hbWU6", 12, &out, &e) == 0, "LOGIN username step");
	raw = decode(out, &n);
	ok(raw != NULL && n == 3 && memcmp(raw, "joe", 3) == 0, "LOGIN sends the user");
	free(raw);
	auth_free_response(out);
	err_init(&e);
	rc = auth_step(a, "not base64!", 11, &out, &e);
	ok(rc == -1 && out == NULL && e.kind == ERR_PROTOCOL,
	    "a challenge that is not base64 gets no password");
	auth_end(a);

	/* Too many challenges. */
	config(&c, "login", true);
	auth_begin(&a, &c, "LOGIN", &e);
	auth_initial(a, &out, &e);
	for (n = 0, rc = 0; n < AUTH_MAX_STEPS + 2 && rc == 0; n++) {
		err_init(&e);
		rc = auth_step(a, "VXNlcm5hbWU6", 12, &out, &e);
		auth_free_response(out);
	}
	ok(rc == -1 && e.kind == ERR_PROTOCOL, "endless challenges end");
	auth_end(a);

	/* XOAUTH2 and OAUTHBEARER payloads and error paths. */
	secret_set(&pw, "tok123", 6);
	config(&c, "xoauth2", true);
	auth_begin(&a, &c, "XOAUTH2", &e);
	ok(auth_initial(a, &out, &e) == 0, "XOAUTH2 initial response");
	raw = decode(out, &n);
	ok(raw != NULL && n == strlen("user=joe\001auth=Bearer tok123\001\001") &&
	    memcmp(raw, "user=joe\001auth=Bearer tok123\001\001", n) == 0,
	    "XOAUTH2 payload");
	free(raw);
	auth_free_response(out);
	err_init(&e);
	/* {"status":"401"} */
	ok(auth_step(a, "eyJzdGF0dXMiOiI0MDEifQ==", 24, &out, &e) == 0 &&
	    out != NULL && *out == '\0', "XOAUTH2 error challenge: empty answer");
	auth_free_response(out);
	is_str(auth_server_error(a), "{\"status\":\"401\"}", "XOAUTH2 error kept");
	ok(!auth_complete(a), "not complete after an error challenge");
	err_init(&e);
	ok(auth_step(a, "", 0, &out, &e) == -1, "a second challenge is refused");
	auth_end(a);

	config(&c, "oauthbearer", true);
	c.user = "a=b,c";
	auth_begin(&a, &c, "OAUTHBEARER", &e);
	auth_initial(a, &out, &e);
	raw = decode(out, &n);
	{
		const char *want = "n,a=a=3Db=2Cc,\001host=mx.test\001port=587\001"
		    "auth=Bearer tok123\001\001";

		ok(raw != NULL && n == strlen(want) && memcmp(raw, want, n) == 0,
		    "OAUTHBEARER payload with an escaped saslname");
	}
	free(raw);
	auth_free_response(out);
	err_init(&e);
	ok(auth_step(a, "eyJzdGF0dXMiOiI0MDEifQ==", 24, &out, &e) == 0, "OAUTHBEARER error");
	raw = decode(out, &n);
	ok(raw != NULL && n == 1 && raw[0] == '\001',
	    "OAUTHBEARER answers an error with 0x01");
	free(raw);
	auth_free_response(out);
	auth_end(a);

	(void)b64;
	secret_release(&pw);
	return tap_done();
}
