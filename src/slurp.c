/*
 * slurp.c - whole-file reads.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "nls.h"
#include "wipe.h"
#include "slurp.h"

int
slurp(const char *path, size_t max, enum err_kind kind, bool missing_ok,
    bool secret, struct buf *out, struct stat *st, struct err *e)
{
	struct stat	sb;
	char		chunk[8192];
	ssize_t		n;
	int		fd, rc = -1;

	buf_init(out, max, kind, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (missing_ok && errno == ENOENT)
			return 1;
		return err_set(e, kind, _("cannot open '%s': %s"), path,
		    strerror(errno));
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, kind, _("'%s' is not a regular file"), path);
	}
	if (st != NULL)
		*st = sb;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, kind, _("cannot read '%s': %s"), path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n, e) == -1)
			goto out;
	}
	rc = 0;
out:
	if (secret)
		secret_wipe(chunk, sizeof(chunk));
	close(fd);
	if (rc == -1) {
		if (secret && out->data != NULL)
			secret_wipe(out->data, out->cap);
		buf_release(out);
	}
	return rc;
}
