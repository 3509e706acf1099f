/*
 * msg.c - message intake: the header block, RFC 6409 fix-ups, the body.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "data.h"
#include "msg.h"
#include "msgid.h"
#include "nls.h"
#include "rfc5322.h"
#include "xalloc.h"

#define READ_CHUNK	(64 * 1024)
#define CHECK_PIECE	(16 * 1024)

/* One header field: all its lines, each ending in "\n", in msg->hdr. */
struct field {
	size_t	 off;
	size_t	 len;
	size_t	 namelen;
	size_t	 colon;		/* offset of ':' from off */
	bool	 removed;
};

struct msg {
	int		 fd;
	bool		 eof;

	struct buf	 hdr;		/* the fields as read */
	struct field	*fields;
	size_t		 nfields;
	size_t		 cap;
	bool		 separator;	/* an empty line ended the header */
	bool		 body_follows;	/* a non-field line started the body */
	unsigned long	 body_line;

	char		*ahead;		/* body bytes read, not yet handed out */
	size_t		 ahead_len;
	size_t		 ahead_pos;
	size_t		 ahead_cap;

	struct buf	 out;		/* the header block as it will be sent */
	size_t		 out_pos;
	bool		 fixed;
};

/* ------------------------------------------------------------ input */

/* Reads into buf; returns bytes, 0 at end of input, -1 with e. */
static ssize_t
read_input(struct msg *m, char *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (m->eof)
		return 0;
	for (;;) {
		n = read(m->fd, buf, len);
		if (n > 0)
			return n;
		if (n == 0) {
			m->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* A non-blocking descriptor inherited from the caller. */
			struct pollfd pfd = { m->fd, POLLIN, 0 };

			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (errno == EBADF)
			return err_set(e, ERR_NOINPUT,
			    _("cannot read the message: standard input is not open"));
		return err_set(e, ERR_IOERR, _("cannot read the message: %s"),
		    strerror(errno));
	}
}

static void
ahead_reserve(struct msg *m, size_t n)
{
	if (m->ahead_pos > 0 && m->ahead_pos == m->ahead_len)
		m->ahead_pos = m->ahead_len = 0;
	if (m->ahead_cap - m->ahead_len >= n)
		return;
	if (m->ahead_pos > 0) {
		memmove(m->ahead, m->ahead + m->ahead_pos,
		    m->ahead_len - m->ahead_pos);
		m->ahead_len -= m->ahead_pos;
		m->ahead_pos = 0;
		if (m->ahead_cap - m->ahead_len >= n)
			return;
	}
	/*
	 * Exactly what is needed, in whole chunks: doubling would take the
	 * look-ahead past MSG_PREFETCH to twice that, all of it resident.
	 */
	m->ahead_cap = (m->ahead_len + n + READ_CHUNK - 1) / READ_CHUNK *
	    READ_CHUNK;
	m->ahead = xrealloc(m->ahead, m->ahead_cap);
}

/* Reads one more chunk into the look-ahead buffer; 0 at end of input. */
static ssize_t
read_ahead(struct msg *m, struct err *e)
{
	ssize_t n;

	size_t want = READ_CHUNK, held = m->ahead_len - m->ahead_pos;

	/* The look-ahead stops at MSG_PREFETCH exactly (see ahead_reserve). */
	if (held < MSG_PREFETCH && MSG_PREFETCH - held < want)
		want = MSG_PREFETCH - held;
	ahead_reserve(m, want);
	n = read_input(m, m->ahead + m->ahead_len, want, e);
	if (n > 0)
		m->ahead_len += (size_t)n;
	return n;
}

/* ------------------------------------------------------------ header */

static struct field *
field_new(struct msg *m)
{
	if (m->nfields == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->fields = xreallocarray(m->fields, m->cap, sizeof(*m->fields));
	}
	memset(&m->fields[m->nfields], 0, sizeof(m->fields[0]));
	return &m->fields[m->nfields++];
}

/*
 * Finds the end of the line starting at p: sets *len (without the line
 * end) and *term (1 or 2 octets; 0 for a last line without one).  Returns
 * false when more input is needed to decide.
 */
static bool
line_end(const char *p, size_t avail, bool eof, size_t *len, size_t *term)
{
	size_t i;

	for (i = 0; i < avail; i++) {
		if (p[i] == '\n') {
			*len = i;
			*term = 1;
			return true;
		}
		if (p[i] == '\r') {
			if (i + 1 == avail && !eof)
				return false;	/* CR or CRLF? */
			*len = i;
			*term = i + 1 < avail && p[i + 1] == '\n' ? 2 : 1;
			return true;
		}
	}
	if (!eof)
		return false;
	*len = avail;
	*term = 0;
	return true;
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

int
msg_open(struct msg **out, int fd, struct err *e)
{
	struct msg	*m = xcalloc(1, sizeof(*m));
	struct field	*cur = NULL;
	unsigned long	 lineno = 0;
	size_t		 len, term, namelen, colon;
	const char	*line;

	m->fd = fd;
	buf_init(&m->hdr, MSG_HEADER_MAX, ERR_DATA, _("the message's header block"));
	buf_init(&m->out, MSG_HEADER_MAX + 4096, ERR_DATA,
	    _("the message's header block"));
	*out = m;

	for (;;) {
		const char	*p = m->ahead + m->ahead_pos;
		size_t		 avail = m->ahead_len - m->ahead_pos;

		if (!line_end(p, avail, m->eof, &len, &term)) {
			if (avail > RFC5322_LINE_MAX + 1)
				return err_set(e, ERR_DATA,
				    _("line %lu of the message is longer than %d octets"),
				    lineno + 1, RFC5322_LINE_MAX);
			if (read_ahead(m, e) == -1)
				return -1;
			continue;
		}
		if (avail == 0)
			break;		/* end of input inside the header */
		line = p;
		lineno++;
		if (len > RFC5322_LINE_MAX)
			return err_set(e, ERR_DATA,
			    _("line %lu of the message is longer than %d octets"),
			    lineno, RFC5322_LINE_MAX);
		if (memchr(line, '\0', len) != NULL)
			return err_set(e, ERR_DATA,
			    _("line %lu of the message contains a NUL byte"),
			    lineno);
		if (lineno == 1 && len >= 5 && memcmp(line, "From ", 5) == 0) {
			m->ahead_pos += len + term;	/* mbox separator */
			continue;
		}
		if (len == 0) {
			m->separator = true;
			m->ahead_pos += len + term;
			lineno++;
			break;
		}
		if (is_wsp(line[0]) && cur != NULL) {
			/* A continuation line: part of the open field. */
		} else if ((namelen = rfc5322_field_name(line, len, &colon)) > 0) {
			cur = field_new(m);
			cur->off = m->hdr.len;
			cur->namelen = namelen;
			cur->colon = colon;
		} else {
			m->body_follows = true;	/* this line is body */
			break;
		}
		if (buf_add(&m->hdr, line, len, e) == -1 ||
		    buf_addch(&m->hdr, '\n', e) == -1)
			return -1;
		cur->len = m->hdr.len - cur->off;
		m->ahead_pos += len + term;
	}
	m->body_line = m->body_follows ? lineno : lineno + 1;
	if (m->separator)
		m->body_line = lineno;
	return 0;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	buf_release(&m->hdr);
	buf_release(&m->out);
	free(m->fields);
	free(m->ahead);
	free(m);
}

static bool
field_is(const struct msg *m, const struct field *f, const char *name)
{
	return rfc5322_name_is(m->hdr.data + f->off, f->namelen, name);
}

static bool
field_has_prefix(const struct msg *m, const struct field *f, const char *pfx)
{
	size_t n = strlen(pfx);

	return f->namelen > n &&
	    rfc5322_name_is(m->hdr.data + f->off, n, pfx);
}

static int
field_addresses(const struct msg *m, const struct field *f,
    struct addrlist *out, struct err *e)
{
	const char *body = m->hdr.data + f->off + f->colon + 1;

	return rfc5322_parse_addrlist(body, f->len - f->colon - 1, out, e);
}

int
msg_header_recipients(struct msg *m, struct addrlist *out, struct err *e)
{
	size_t	i, first = m->nfields;
	bool	resent = false;

	for (i = 0; i < m->nfields; i++)
		if (field_has_prefix(m, &m->fields[i], "Resent-")) {
			resent = true;
			first = i;
			break;
		}
	if (resent) {
		/* The first Resent- block: the run of Resent- fields from here. */
		for (i = first; i < m->nfields &&
		    field_has_prefix(m, &m->fields[i], "Resent-"); i++) {
			const struct field *f = &m->fields[i];

			if ((field_is(m, f, "Resent-To") || field_is(m, f, "Resent-Cc") ||
			    field_is(m, f, "Resent-Bcc")) &&
			    field_addresses(m, f, out, e) == -1)
				return -1;
		}
		return 0;
	}
	for (i = 0; i < m->nfields; i++) {
		const struct field *f = &m->fields[i];

		if ((field_is(m, f, "To") || field_is(m, f, "Cc") ||
		    field_is(m, f, "Bcc")) && field_addresses(m, f, out, e) == -1)
			return -1;
	}
	return 0;
}

int
msg_header_from(struct msg *m, struct addrlist *out, struct err *e)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (field_is(m, &m->fields[i], "From"))
			return field_addresses(m, &m->fields[i], out, e);
	return 0;
}

static bool
has_field(const struct msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!m->fields[i].removed && field_is(m, &m->fields[i], name))
			return true;
	return false;
}

static void
remove_fields(struct msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (field_is(m, &m->fields[i], name))
			m->fields[i].removed = true;
}

static int
add_date(struct buf *b, time_t now, struct err *e)
{
	struct tm	tm;
	char		date[64];

	if (localtime_r(&now, &tm) == NULL ||
	    rfc5322_format_date(date, sizeof(date), &tm, tm.tm_gmtoff) == 0)
		return err_set(e, ERR_OSERR, _("cannot format the date"));
	return buf_printf(b, e, "Date: %s\n", date);
}

static bool
is_address_field(const struct msg *m, const struct field *f)
{
	return field_is(m, f, "To") || field_is(m, f, "Cc") ||
	    field_is(m, f, "From") || field_is(m, f, "Resent-To") ||
	    field_is(m, f, "Resent-Cc") || field_is(m, f, "Resent-From");
}

/*
 * qualify_headers: a field holding a local name ("To: root") is written
 * anew from its parsed mailboxes, each local name given "@domain"; a
 * field without one is copied as it was.  Comments and group syntax of a
 * rewritten field are lost: that is why this is off unless asked for.
 */
static int
add_field(struct msg *m, const struct field *f, const char *domain,
    struct buf *b, struct err *e)
{
	const char	*text = m->hdr.data + f->off;
	struct addrlist	 l;
	size_t		 i;
	bool		 local = false;
	int		 rc = -1;

	if (domain == NULL || !is_address_field(m, f))
		return buf_add(b, text, f->len, e);
	addrlist_init(&l);
	if (field_addresses(m, f, &l, e) == -1)
		goto out;
	for (i = 0; i < l.n; i++)
		if (strchr(l.v[i].spec, '@') == NULL)
			local = true;
	if (!local) {
		rc = buf_add(b, text, f->len, e);
		goto out;
	}
	if (buf_add(b, text, f->namelen, e) == -1 || buf_addstr(b, ":", e) == -1)
		goto out;
	for (i = 0; i < l.n; i++) {
		char *spec = strchr(l.v[i].spec, '@') != NULL ? NULL :
		    xasprintf("%s@%s", l.v[i].spec, domain);

		if (buf_addstr(b, i ? ",\n " : " ", e) == -1 ||
		    rfc5322_format_mailbox(b, l.v[i].display,
		    spec != NULL ? spec : l.v[i].spec, e) == -1) {
			free(spec);
			goto out;
		}
		free(spec);
	}
	rc = buf_addch(b, '\n', e);
out:
	addrlist_release(&l);
	return rc;
}

int
msg_fixup(struct msg *m, const struct msg_fixup *fx, struct err *e)
{
	struct buf	*b = &m->out;
	bool		 add_from, has_sender;
	size_t		 i;
	char		 id[512];

	if (fx->remove_bcc) {
		remove_fields(m, "Bcc");
		remove_fields(m, "Resent-Bcc");
	}
	if (fx->undisclosed) {
		remove_fields(m, "To");
		remove_fields(m, "Cc");
		remove_fields(m, "Bcc");
	}
	/*
	 * With the null sender <> there is no address to put in a From: an
	 * existing From then stays (RFC 5322 section 3.6 wants one), and none
	 * is added.
	 */
	has_sender = fx->envelope_from != NULL && *fx->envelope_from != '\0';
	add_from = has_sender && (fx->set_from == MSG_FROM_ALWAYS ||
	    (fx->set_from == MSG_FROM_WHEN_MISSING && !has_field(m, "From")));
	if (fx->set_from == MSG_FROM_ALWAYS && has_sender)
		remove_fields(m, "From");

	buf_reset(b);
	for (i = 0; i < m->nfields; i++)
		if (!m->fields[i].removed &&
		    add_field(m, &m->fields[i], fx->qualify_domain, b, e) == -1)
			return -1;
	if (fx->undisclosed &&
	    buf_addstr(b, "To: undisclosed-recipients:;\n", e) == -1)
		return -1;
	if (add_from) {
		if (buf_addstr(b, "From: ", e) == -1 ||
		    rfc5322_format_mailbox(b, fx->from_name, fx->envelope_from,
		    e) == -1 || buf_addch(b, '\n', e) == -1)
			return -1;
	}
	if (fx->set_date && !has_field(m, "Date") && add_date(b, fx->now, e) == -1)
		return -1;
	if (fx->set_msgid && !has_field(m, "Message-ID")) {
		if (msgid_make(id, sizeof(id), fx->msgid_domain, fx->now, e) == -1 ||
		    buf_printf(b, e, "Message-ID: %s\n", id) == -1)
			return -1;
	}
	if ((m->separator || m->body_follows) && buf_addch(b, '\n', e) == -1)
		return -1;
	m->out_pos = 0;
	m->fixed = true;
	return 0;
}

/* ------------------------------------------------------------ body */

int
msg_check_ahead(struct msg *m, unsigned enc_flags, struct err *e)
{
	struct data_enc	 enc;
	char		*scratch;
	size_t		 off, used, outlen, piece;
	ssize_t		 n;
	int		 rc = 0;

	while (!m->eof && m->ahead_len - m->ahead_pos < MSG_PREFETCH)
		if ((n = read_ahead(m, e)) == -1)
			return -1;
	/* Small pieces: the output is only looked at, and would be resident. */
	scratch = xmalloc(DATA_ENC_BOUND(CHECK_PIECE));
	data_enc_init(&enc, enc_flags, m->body_line);
	for (off = m->ahead_pos; off < m->ahead_len && rc == 0; off += used) {
		piece = m->ahead_len - off;
		if (piece > CHECK_PIECE)
			piece = CHECK_PIECE;
		rc = data_enc_feed(&enc, m->ahead + off, piece, &used, scratch,
		    &outlen, e);
	}
	free(scratch);
	return rc == -1 ? -1 : 0;
}

/* Feeds p[0..n) to the encoder in small pieces; 1 at a lone ".", -1. */
static int
size_feed(struct data_enc *enc, const char *p, size_t n, char *out)
{
	struct err	ignored;
	size_t		off, used, outlen, piece;
	int		rc = 0;

	err_init(&ignored);
	for (off = 0; off < n && rc == 0; off += used) {
		piece = n - off < CHECK_PIECE ? n - off : CHECK_PIECE;
		rc = data_enc_feed(enc, p + off, piece, &used, out, &outlen,
		    &ignored);
	}
	return rc;
}

uint64_t
msg_wire_size(struct msg *m, unsigned enc_flags)
{
	struct data_enc	 enc;
	struct stat	 st;
	char		*in, *out;
	off_t		 pos, end;
	ssize_t		 n = 0;
	int		 rc;

	/*
	 * A second pass costs a read of the rest: worth it for the usual
	 * message (SIZE, BDAT), not for a large one that would stream anyway.
	 */
	if (!m->fixed || fstat(m->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (pos = lseek(m->fd, 0, SEEK_CUR)) == -1 ||
	    st.st_size - pos > MSG_SIZE_PASS_MAX)
		return 0;
	in = xmalloc(CHECK_PIECE);
	out = xmalloc(DATA_ENC_BOUND(CHECK_PIECE));
	data_enc_init(&enc, enc_flags, 1);
	rc = size_feed(&enc, m->out.data + m->out_pos, m->out.len - m->out_pos,
	    out);
	if (rc == 0)
		rc = size_feed(&enc, m->ahead + m->ahead_pos,
		    m->ahead_len - m->ahead_pos, out);
	/*
	 * pread: the offset the message is read from later stays put.  No
	 * further than the file's size and one octet: a file that grows is
	 * not counted (the message then streams).
	 */
	end = st.st_size + 1;
	while (rc == 0 && !m->eof && pos < end &&
	    (n = pread(m->fd, in, CHECK_PIECE, pos)) > 0) {
		pos += n;
		rc = size_feed(&enc, in, (size_t)n, out);
	}
	if (pos > st.st_size)
		n = -1;		/* it grew, or st_size lied (/proc) */
	free(in);
	if (rc == -1 || n == -1) {
		free(out);
		return 0;	/* the send reports what is wrong */
	}
	(void)data_enc_finish(&enc, out);
	free(out);
	return enc.nbytes;
}

ssize_t
msg_read(struct msg *m, char *buf, size_t len, struct err *e)
{
	size_t n;

	if (!m->fixed)
		return err_set(e, ERR_SOFTWARE, "msg_read before msg_fixup");
	if (m->out_pos < m->out.len) {
		n = m->out.len - m->out_pos;
		if (n > len)
			n = len;
		memcpy(buf, m->out.data + m->out_pos, n);
		m->out_pos += n;
		return (ssize_t)n;
	}
	if (m->ahead_pos < m->ahead_len) {
		n = m->ahead_len - m->ahead_pos;
		if (n > len)
			n = len;
		memcpy(buf, m->ahead + m->ahead_pos, n);
		m->ahead_pos += n;
		return (ssize_t)n;
	}
	return read_input(m, buf, len, e);
}

size_t
msg_header_length(const struct msg *m)
{
	return m->out.len;
}

bool
msg_header_is_utf8(const struct msg *m)
{
	const unsigned char	*p = (const unsigned char *)m->out.data;
	size_t			 i = 0, k;
	unsigned long		 cp;
	bool			 any = false;

	while (i < m->out.len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = rfc5322_utf8_len(p + i, m->out.len - i, &cp)) == 0)
			return false;
		any = true;
		i += k;
	}
	return any;
}

unsigned long
msg_body_line(const struct msg *m)
{
	return m->body_line;
}
