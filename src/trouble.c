/*
 * trouble.c - from replies to outcomes.
 */
#include <config.h>

#include <string.h>

#include "nls.h"
#include "trouble.h"

bool
trouble_is_success(enum smtp_stage st, int code)
{
	switch (st) {
	case STAGE_GREETING:
	case STAGE_STARTTLS:
		return code == 220;
	case STAGE_AUTH:
		return code == 235;
	case STAGE_DATA:
		return code == 354;
	case STAGE_QUIT:
		return code == 221;
	case STAGE_RCPT:
	case STAGE_EOD_RCPT:
		/* 251 "user not local; will forward" is a success too. */
		return code == 250 || code == 251;
	default:
		return code == 250;
	}
}

const char *
trouble_stage_name(enum smtp_stage st)
{
	switch (st) {
	case STAGE_GREETING:	return "greeting";
	case STAGE_EHLO:	return "EHLO";
	case STAGE_HELO:	return "HELO";
	case STAGE_STARTTLS:	return "STARTTLS";
	case STAGE_AUTH:	return "AUTH";
	case STAGE_MAIL:	return "MAIL FROM";
	case STAGE_RCPT:	return "RCPT TO";
	case STAGE_DATA:	return "DATA";
	case STAGE_EOD:		return _("end of data");
	case STAGE_EOD_RCPT:	return _("end of data");
	case STAGE_LHLO:	return "LHLO";
	case STAGE_RSET:	return "RSET";
	case STAGE_QUIT:	return "QUIT";
	}
	return "?";
}

static bool
status_class_subject(const char *status, char cls, char subject)
{
	return status[0] == cls && status[1] == '.' && status[2] == subject &&
	    status[3] == '.';
}

static bool
is_auth_failure(const struct reply *r)
{
	/* RFC 4954 section 6: 530, 534, 535, 538; RFC 3463: 5.7.0, 5.7.8. */
	if (r->code == 530 || r->code == 534 || r->code == 535 ||
	    r->code == 538)
		return true;
	return strcmp(r->status, "5.7.0") == 0 || strcmp(r->status, "5.7.8") == 0;
}

static enum err_kind
kind_of(enum smtp_stage st, const struct reply *r)
{
	int cls = r->code / 100;

	if (cls == 4)
		return ERR_TEMPFAIL;
	if (cls != 5)
		return ERR_PROTOCOL;	/* a success of the wrong kind */
	/*
	 * RFC 3463, where the enhanced code says more than the basic one:
	 * X.6.x is the content that cannot be taken as it is (a conversion
	 * or SMTPUTF8 needed), X.1.2 a destination domain that does not
	 * exist, other X.1.x at RCPT an unknown mailbox.
	 */
	if (status_class_subject(r->status, '5', '6'))
		return ERR_DATA;
	/* LMTP's replies after the data are per recipient, like RCPT's. */
	if (st == STAGE_RCPT || st == STAGE_EOD_RCPT) {
		if (strcmp(r->status, "5.1.2") == 0)
			return ERR_NOHOST;
		if (r->status[0] != '\0' && status_class_subject(r->status, '5', '1'))
			return ERR_NOUSER;
		if (r->status[0] == '\0' &&
		    (r->code == 550 || r->code == 551 || r->code == 553))
			return ERR_NOUSER;
	}
	if (is_auth_failure(r))
		return ERR_NOPERM;
	return ERR_UNAVAILABLE;
}

int
trouble_reply(struct err *e, enum smtp_stage st, const struct reply *r,
    const char *subject)
{
	enum err_kind	 kind = kind_of(st, r);
	char		 words[ERR_SERVER_MAX];
	bool		 temp = kind == ERR_TEMPFAIL;

	if (e == NULL || e->kind != ERR_NONE)
		return -1;
	reply_summary(r, words, sizeof(words));
	if (kind == ERR_PROTOCOL)
		err_set(e, kind,
		    _("unexpected reply %d from server to %s"), r->code,
		    trouble_stage_name(st));
	else if (r->code == 421)
		err_set(e, kind,
		    _("server is closing the connection (at %s)"),
		    trouble_stage_name(st));
	else switch (st) {
	case STAGE_GREETING:
		err_set(e, kind, temp ?
		    _("server temporarily refuses connections") :
		    _("server refuses connections"));
		break;
	case STAGE_AUTH:
		/* GSSAPI and EXTERNAL have no user name to show. */
		if (subject == NULL || *subject == '\0')
			err_set(e, kind, temp ?
			    _("server temporarily refused to authenticate us") :
			    _("server refused to authenticate us"));
		else
			err_set(e, kind, temp ?
			    _("server temporarily refused to authenticate '%s'") :
			    _("server refused to authenticate '%s'"), subject);
		break;
	case STAGE_MAIL:
		err_set(e, kind, temp ?
		    _("server temporarily refused sender '%s'") :
		    _("server refused sender '%s'"), subject ? subject : "");
		break;
	case STAGE_RCPT:
		err_set(e, kind, temp ?
		    _("server temporarily refused recipient '%s'") :
		    _("server refused recipient '%s'"), subject ? subject : "");
		break;
	case STAGE_DATA:
		err_set(e, kind, temp ?
		    _("server temporarily refused to accept the message") :
		    _("server refused to accept the message"));
		break;
	case STAGE_EOD_RCPT:
		err_set(e, kind, temp ?
		    _("server temporarily refused the message for '%s' after "
		    "receiving it") :
		    _("server refused the message for '%s' after receiving it"),
		    subject ? subject : "");
		break;
	case STAGE_EOD:
		err_set(e, kind, temp ?
		    _("server temporarily refused the message after receiving it") :
		    _("server refused the message after receiving it"));
		break;
	default:
		err_set(e, kind, temp ?
		    _("server temporarily refused %s") :
		    _("server refused %s"), trouble_stage_name(st));
		break;
	}
	err_set_reply(e, r->code, r->status, words);
	return -1;
}

static int
rank(enum err_kind k)
{
	switch (k) {
	case ERR_NONE:
		return 0;
	case ERR_TEMPFAIL:
		return 1;
	default:
		return 2;
	}
}

bool
trouble_worse(const struct err *a, const struct err *b)
{
	return rank(b->kind) > rank(a->kind);
}
