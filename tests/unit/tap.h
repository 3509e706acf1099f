/*
 * tap.h - a minimal Test Anything Protocol producer for the unit tests.
 *
 *	ok(cond, "name %d", i);		one test point
 *	is_str(got, want, "name");	string equality, shows both on failure
 *	is_int(got, want, "name");
 *	return tap_done();		prints the plan, returns the exit status
 *
 * The plan is printed at the end ("1..N"), which Automake's TAP driver
 * accepts; a test program that crashes midway therefore fails visibly.
 */
#ifndef SMTPSEND_TAP_H
#define SMTPSEND_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3)))
static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static void
tap_diag_str(const char *label, const char *s)
{
	printf("#   %s: ", label);
	if (s == NULL) {
		printf("(null)\n");
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r')
			printf("\\r");
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

#define is_str(got, want, ...) do {					\
	const char *is_g_ = (got), *is_w_ = (want);			\
	int is_ok_ = (is_g_ == NULL && is_w_ == NULL) ||		\
	    (is_g_ != NULL && is_w_ != NULL && strcmp(is_g_, is_w_) == 0); \
	if (!ok(is_ok_, __VA_ARGS__)) {					\
		tap_diag_str("got", is_g_);				\
		tap_diag_str("want", is_w_);				\
	}								\
} while (0)

#define is_int(got, want, ...) do {					\
	long long is_g_ = (long long)(got), is_w_ = (long long)(want);	\
	if (!ok(is_g_ == is_w_, __VA_ARGS__))				\
		printf("#   got: %lld\n#   want: %lld\n", is_g_, is_w_); \
} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif
