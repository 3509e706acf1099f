/*
 * wipe.h - clearing memory that held a secret, in a way the compiler may
 * not drop as a dead store.  A leaf: everything that reads a secret
 * (secret.c, slurp.c, spawn.c) can use it without depending on another.
 */
#ifndef SMTPSEND_WIPE_H
#define SMTPSEND_WIPE_H

#include <stddef.h>

void	secret_wipe(void *, size_t);

/*
 * value as it may be shown (-P, error messages, logs): a PKCS #11 URI's
 * PIN (pin-value=, RFC 7512) becomes "*"; anything else is copied.
 */
const char *secret_shown(const char *value, char *out, size_t size);

#endif
