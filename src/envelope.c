/*
 * envelope.c - sender and recipients, checked.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "envelope.h"
#include "nls.h"
#include "rfc5322.h"
#include "xalloc.h"

/* RFC 5321 section 4.5.3.1.3: a path is at most 256 octets with "<>". */
#define PATH_MAX_OCTETS	254

void
envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof(*env));
}

void
envelope_release(struct envelope *env)
{
	size_t i;

	free(env->sender);
	for (i = 0; i < env->nrcpts; i++)
		free(env->rcpts[i]);
	free(env->rcpts);
	envelope_init(env);
}

bool
envelope_needs_utf8(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr >= 0x80)
			return true;
	return false;
}

int
envelope_check(const char *addr, const char *what, enum err_kind kind,
    struct err *e)
{
	const unsigned char	*p;
	bool			 quoted = false;

	if (strlen(addr) > PATH_MAX_OCTETS)
		return err_set(e, kind, _("%s address is longer than %d octets"),
		    what, PATH_MAX_OCTETS);
	for (p = (const unsigned char *)addr; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return err_set(e, kind,
			    _("%s address contains a line break"), what);
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, kind,
			    _("%s address contains a control character"), what);
		if (*p >= 0x80) {
			unsigned long	cp;
			size_t		n = rfc5322_utf8_len(p, strlen((const char *)p),
			    &cp);

			if (n == 0)
				return err_set(e, kind, _("%s address is not "
				    "valid UTF-8"), what);
			p += n - 1;
			continue;
		}
		if (quoted && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == ' ' || *p == '<' || *p == '>' ||
		    *p == '(' || *p == ')' || *p == ',' || *p == ';'))
			return err_set(e, kind,
			    _("%s address '%s' is not a valid address"), what, addr);
	}
	if (quoted)
		return err_set(e, kind, _("%s address '%s' has an unbalanced quote"),
		    what, addr);
	return 0;
}

/* RFC 5891 with the UTS 46 mapping: libidn2's IDN2_OK, or its error. */
static int
to_ascii(const char *domain, char **out)
{
	char	*ace = NULL;
	int	 rc;

	*out = NULL;
	if (!envelope_needs_utf8(domain)) {
		*out = xstrdup(domain);
		return IDN2_OK;
	}
	rc = idn2_to_ascii_8z(domain, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc == IDN2_OK) {
		*out = xstrdup(ace);
		idn2_free(ace);
	}
	return rc;
}

char *
envelope_domain_ascii(const char *domain)
{
	char *out;

	return to_ascii(domain, &out) == IDN2_OK ? out : NULL;
}

/*
 * The address as it goes on the wire: a domain with non-ASCII (a U-label)
 * becomes its A-label (RFC 5891, IDNA2008 with the UTS 46 mapping), so a
 * non-ASCII domain alone never needs SMTPUTF8.  Returns a new string.
 */
static char *
wire_form(const char *addr, const char *what, enum err_kind kind,
    struct err *e)
{
	const char	*dom = rfc5322_addr_domain(addr);
	char		*ace, *out;
	int		 rc;

	if (dom == NULL || *dom == '[' || !envelope_needs_utf8(dom))
		return xstrdup(addr);
	if ((rc = to_ascii(dom, &ace)) != IDN2_OK) {
		err_set(e, kind, _("%s address '%s': the domain cannot be written "
		    "in ASCII (IDNA): %s"), what, addr, idn2_strerror(rc));
		return NULL;
	}
	out = xasprintf("%.*s%s", (int)(dom - addr), addr, ace);
	free(ace);
	if (strlen(out) > PATH_MAX_OCTETS) {
		err_set(e, kind, _("%s address is longer than %d octets"), what,
		    PATH_MAX_OCTETS);
		free(out);
		return NULL;
	}
	return out;
}

int
envelope_set_sender(struct envelope *env, const char *addr,
    enum err_kind kind, struct err *e)
{
	char *w;

	if (envelope_check(addr, _("sender"), kind, e) == -1 ||
	    (w = wire_form(addr, _("sender"), kind, e)) == NULL)
		return -1;
	free(env->sender);
	env->sender = w;
	return 0;
}

/* Same mailbox?  The local part is compared exactly, the domain without case. */
static bool
same_address(const char *a, const char *b)
{
	const char	*da = rfc5322_addr_domain(a), *db = rfc5322_addr_domain(b);
	size_t		 la, lb;

	if ((da == NULL) != (db == NULL))
		return false;
	if (da == NULL)
		return strcmp(a, b) == 0;
	la = (size_t)(da - a);
	lb = (size_t)(db - b);
	return la == lb && strncmp(a, b, la) == 0 && strcasecmp(da, db) == 0;
}

int
envelope_add_rcpt(struct envelope *env, const char *addr, enum err_kind kind,
    struct err *e)
{
	size_t i;

	if (*addr == '\0')
		return err_set(e, kind, _("empty recipient address"));
	char	*w;

	if (envelope_check(addr, _("recipient"), kind, e) == -1 ||
	    (w = wire_form(addr, _("recipient"), kind, e)) == NULL)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (same_address(env->rcpts[i], w)) {
			free(w);
			return 0;
		}
	if (env->nrcpts == env->cap) {
		env->cap = env->cap ? env->cap * 2 : 8;
		env->rcpts = xreallocarray(env->rcpts, env->cap,
		    sizeof(*env->rcpts));
	}
	env->rcpts[env->nrcpts++] = w;
	return 0;
}
