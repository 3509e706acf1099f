/*
 * clock.h - the one clock every deadline is measured on.
 */
#ifndef SMTPSEND_CLOCK_H
#define SMTPSEND_CLOCK_H

#include <stdint.h>

/* Milliseconds on a monotonic clock: never jumps with the wall clock. */
int64_t	clock_ms(void);

#endif
