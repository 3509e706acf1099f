/*
 * nfqdelay - hold every packet of an NFQUEUE for a fixed time, then let it
 * go, in arrival order.  For bench/rtt, where the kernel has no netem: an
 * iptables rule in a network namespace sends its incoming packets here,
 * and each direction of a veth link gets the same one-way delay, with real
 * TCP on both ends (a proxy would terminate TCP and hide Nagle, delayed
 * ACKs and the handshakes).
 *
 *	nfqdelay QUEUE MILLISECONDS
 *
 * Runs until killed.  Build: cc -O2 -o nfqdelay nfqdelay.c
 * -lnetfilter_queue (Debian: libnetfilter-queue-dev).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define HELD_MAX	65536		/* packets in flight, at most */

struct held {
	uint32_t	id;
	int64_t		due_us;
};

static struct held	held[HELD_MAX];
static size_t		head, count;
static int64_t		delay_us;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
    void *data)
{
	struct nfqnl_msg_packet_hdr	*ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t			 id;

	(void)msg;
	(void)data;
	if (ph == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	if (count == HELD_MAX)	/* full: no delay rather than a drop */
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	held[(head + count) % HELD_MAX].id = id;
	held[(head + count) % HELD_MAX].due_us = now_us() + delay_us;
	count++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct nfq_handle	*h;
	struct nfq_q_handle	*qh;
	struct pollfd		 pfd;
	char			 buf[65536];
	int			 fd, rc, timeout;
	int64_t			 t;

	if (argc != 3) {
		fprintf(stderr, "usage: nfqdelay QUEUE MILLISECONDS\n");
		return 64;
	}
	delay_us = (int64_t)atoi(argv[2]) * 1000;
	if ((h = nfq_open()) == NULL) {
		perror("nfqdelay: nfq_open");
		return 71;
	}
	(void)nfq_unbind_pf(h, AF_INET);
	(void)nfq_bind_pf(h, AF_INET);
	if ((qh = nfq_create_queue(h, (uint16_t)atoi(argv[1]), on_packet,
	    NULL)) == NULL) {
		perror("nfqdelay: nfq_create_queue");
		return 71;
	}
	/* The verdict needs only the id: no payload is copied up. */
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) == -1)
		perror("nfqdelay: nfq_set_mode");
	(void)nfq_set_queue_maxlen(qh, HELD_MAX);
	fd = nfq_fd(h);
	pfd.fd = fd;
	pfd.events = POLLIN;
	fprintf(stderr, "nfqdelay: queue %s, %s ms\n", argv[1], argv[2]);
	for (;;) {
		t = now_us();
		while (count > 0 && held[head].due_us <= t) {
			(void)nfq_set_verdict(qh, held[head].id, NF_ACCEPT, 0, NULL);
			head = (head + 1) % HELD_MAX;
			count--;
		}
		timeout = count > 0 ? (int)((held[head].due_us - t + 999) / 1000) :
		    -1;
		rc = poll(&pfd, 1, timeout);
		if (rc == -1 && errno != EINTR) {
			perror("nfqdelay: poll");
			return 71;
		}
		if (rc > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0)
				nfq_handle_packet(h, buf, (int)n);
			else if (n == -1 && errno == ENOBUFS)
				fprintf(stderr, "nfqdelay: queue overrun\n");
		}
	}
}
