/*
 * fdio.h - whole writes to a descriptor, retried across signals and
 * short writes.  The caller words the error: errno says what went wrong.
 */
#ifndef SMTPSEND_FDIO_H
#define SMTPSEND_FDIO_H

#include <stddef.h>

/* 0 when all n bytes went out; -1 with errno set otherwise. */
int	fdio_write_all(int fd, const void *, size_t n);

#endif
