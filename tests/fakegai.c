/*
 * fakegai.c - a getaddrinfo() stand-in for tests, loaded with LD_PRELOAD.
 *
 * When the host name asked for equals $FAKEGAI_NAME, the answer is the
 * list in $FAKEGAI_ADDRS, "ADDR/PORT,ADDR/PORT,..." (numeric IPv4 or IPv6
 * addresses, each with its own port), in that order.  Any other name goes
 * to the real getaddrinfo().  This lets a case give one host several
 * addresses -- one that refuses, one that never answers, one that works --
 * without touching /etc/hosts or DNS.  Each entry is one allocation holding
 * the addrinfo and its address, which is what glibc's freeaddrinfo() frees.
 * FAKEGAI_FAIL=again or =noname makes the lookup fail instead (EAI_AGAIN,
 * EAI_NONAME): a temporary or a final answer of the resolver.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int gai_fn(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);

static struct addrinfo *
entry(const char *addr, int port)
{
	struct addrinfo	*ai;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	ai = calloc(1, sizeof(*ai) + sizeof(struct sockaddr_in6));
	if (ai == NULL)
		return NULL;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_protocol = IPPROTO_TCP;
	ai->ai_addr = (struct sockaddr *)(ai + 1);
	sin = (struct sockaddr_in *)ai->ai_addr;
	sin6 = (struct sockaddr_in6 *)ai->ai_addr;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		ai->ai_family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		ai->ai_addrlen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		ai->ai_family = AF_INET6;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		ai->ai_addrlen = sizeof(*sin6);
	} else {
		free(ai);
		return NULL;
	}
	return ai;
}

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	const char	*name = getenv("FAKEGAI_NAME");
	const char	*list = getenv("FAKEGAI_ADDRS");
	struct addrinfo	*head = NULL, **tail = &head, *ai;
	char		*copy, *item, *save = NULL, *slash;
	gai_fn		*real;

	if (node == NULL || name == NULL || list == NULL ||
	    strcmp(node, name) != 0) {
		real = (gai_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
		return real(node, service, hints, res);
	}
	if (hints != NULL && (hints->ai_flags & AI_NUMERICHOST))
		return EAI_NONAME;
	if (getenv("FAKEGAI_DELAY") != NULL)
		sleep((unsigned)atoi(getenv("FAKEGAI_DELAY")));
	/* FAKEGAI_FAIL=again|noname: the resolver's temporary or final no. */
	if (getenv("FAKEGAI_FAIL") != NULL)
		return strcmp(getenv("FAKEGAI_FAIL"), "again") == 0 ? EAI_AGAIN :
		    EAI_NONAME;
	if ((copy = strdup(list)) == NULL)
		return EAI_MEMORY;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((slash = strrchr(item, '/')) == NULL)
			continue;
		*slash = '\0';
		if ((ai = entry(item, atoi(slash + 1))) == NULL)
			continue;
		*tail = ai;
		tail = &ai->ai_next;
	}
	free(copy);
	if (head == NULL)
		return EAI_NONAME;
	/* $FAKEGAI_CANON: the canonical name, for AI_CANONNAME. */
	if (hints != NULL && (hints->ai_flags & AI_CANONNAME) &&
	    getenv("FAKEGAI_CANON") != NULL)
		head->ai_canonname = strdup(getenv("FAKEGAI_CANON"));
	*res = head;
	return 0;
}
