/*
 * test-trouble.c - one row of the outcome table per test point.
 */
#include <config.h>

#include <string.h>

#include "trouble.h"
#include "tap.h"

static int
exit_for(enum smtp_stage st, const char *line, const char *subject,
    struct err *e)
{
	struct reply r;

	reply_init(&r);
	err_init(e);
	reply_feed(&r, line, strlen(line), e);
	err_init(e);
	trouble_reply(e, st, &r, subject);
	return err_exit_code(e);
}

int
main(void)
{
	struct err	e, a, b;

	is_int(exit_for(STAGE_GREETING, "421 4.3.2 busy", NULL, &e), 75, "421 greeting");
	is_int(exit_for(STAGE_GREETING, "554 5.7.1 go away", NULL, &e), 69, "554 greeting");
	is_int(exit_for(STAGE_MAIL, "451 4.3.0 later", "a@x", &e), 75, "451 MAIL");
	is_int(exit_for(STAGE_MAIL, "553 5.1.8 bad sender", "a@x", &e), 69,
	    "5.1.8 at MAIL is not a recipient problem");
	ok(strstr(e.text, "'a@x'") != NULL, "MAIL error names the sender: %s", e.text);
	is_int(exit_for(STAGE_MAIL, "530 5.7.0 Authentication required", "a@x", &e),
	    77, "530 is a permission problem");
	is_int(exit_for(STAGE_RCPT, "550 5.1.1 unknown", "b@x", &e), 67, "5.1.1 RCPT");
	ok(strstr(e.text, "'b@x'") != NULL, "RCPT error names it: %s", e.text);
	is_str(e.server, "550 5.1.1 unknown", "server words kept");
	is_int(e.reply_code, 550, "reply code kept");
	is_str(e.status, "5.1.1", "status kept");
	is_int(exit_for(STAGE_RCPT, "550 no such user", "b@x", &e), 67,
	    "550 without enhanced code at RCPT");
	is_int(exit_for(STAGE_RCPT, "553 mailbox name not allowed", "b@x", &e), 67,
	    "553 without enhanced code at RCPT");
	is_int(exit_for(STAGE_RCPT, "554 5.7.1 relay denied", "b@x", &e), 69,
	    "5.7.1 at RCPT");
	is_int(exit_for(STAGE_RCPT, "550 5.7.1 relay denied", "b@x", &e), 69,
	    "enhanced code decides over 550");
	is_int(exit_for(STAGE_RCPT, "550 5.1.2 no such domain", "b@x", &e), 68,
	    "5.1.2 at RCPT: the domain does not exist");
	is_int(exit_for(STAGE_MAIL, "550 5.1.2 no such domain", "a@x", &e), 69,
	    "5.1.2 at MAIL is not a recipient's domain");
	is_int(exit_for(STAGE_RCPT, "553 5.6.7 SMTPUTF8 needed", "b@x", &e), 65,
	    "5.6.7 at RCPT: the content, not the mailbox");
	is_int(exit_for(STAGE_EOD, "554 5.6.0 bad content", NULL, &e), 65,
	    "5.6.x after data");
	is_int(exit_for(STAGE_EOD, "454 4.6.0 later", NULL, &e), 75,
	    "4.6.x stays temporary");
	is_int(exit_for(STAGE_RCPT, "452 4.5.3 too many", "b@x", &e), 75, "452 RCPT");
	is_int(exit_for(STAGE_RCPT, "421 4.4.2 timeout", "b@x", &e), 75, "421 RCPT");
	ok(strstr(e.text, "closing") != NULL, "421 says closing: %s", e.text);
	is_int(exit_for(STAGE_DATA, "554 5.5.1 no valid recipients", NULL, &e), 69,
	    "554 DATA");
	is_int(exit_for(STAGE_DATA, "250 ok", NULL, &e), 76, "250 to DATA is a violation");
	is_int(exit_for(STAGE_MAIL, "354 go", NULL, &e), 76, "354 to MAIL is a violation");
	is_int(exit_for(STAGE_EOD, "552 5.3.4 too big", NULL, &e), 69, "552 end of data");
	is_int(exit_for(STAGE_EOD, "451 4.3.0 try later", NULL, &e), 75, "451 end of data");
	is_int(exit_for(STAGE_EOD, "550 5.1.1 unknown", NULL, &e), 69,
	    "5.1.1 after data is not per-recipient");
	is_int(exit_for(STAGE_EHLO, "550 no", NULL, &e), 69, "EHLO refused");
	is_int(exit_for(STAGE_AUTH, "535 5.7.8 bad credentials", NULL, &e), 77, "535");
	is_int(exit_for(STAGE_AUTH, "454 4.7.0 temporary", NULL, &e), 75, "454");

	ok(trouble_is_success(STAGE_RCPT, 251), "251 is a RCPT success");
	ok(!trouble_is_success(STAGE_MAIL, 251), "251 is not a MAIL success");
	ok(trouble_is_success(STAGE_DATA, 354) && !trouble_is_success(STAGE_DATA, 250),
	    "DATA wants 354");
	ok(trouble_is_success(STAGE_GREETING, 220), "greeting 220");

	exit_for(STAGE_RCPT, "450 later", "b@x", &a);
	exit_for(STAGE_RCPT, "550 5.1.1 gone", "c@x", &b);
	ok(trouble_worse(&a, &b), "permanent beats temporary");
	ok(!trouble_worse(&b, &a), "temporary does not beat permanent");
	exit_for(STAGE_RCPT, "550 5.1.1 gone", "d@x", &a);
	ok(!trouble_worse(&b, &a), "between equals the first stands");
	return tap_done();
}
