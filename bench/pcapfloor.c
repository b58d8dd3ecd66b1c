/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapfloor.c - the floor for any libpcap-based tool: read a capture and touch
 * every packet (its length and its first and last captured bytes), nothing else.
 *
 *   tcptrack-pcapfloor [--next-ex] FILE
 *
 * By default it reads with pcap_dispatch() (callbacks, as tcptrack does);
 * --next-ex uses the pcap_next_ex() loop instead.  Prints the packet count and
 * a checksum of what it touched, so the compiler cannot skip the work.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

struct acc {
	uint64_t packets, sum;
};

static void touch(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct acc *a = (struct acc *)(void *)user;
	a->packets++;
	a->sum += h->caplen + h->len + (uint64_t)h->ts.tv_usec;
	if (h->caplen > 0)
		a->sum += (uint64_t)data[0] + data[h->caplen - 1];
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct acc a = {0, 0};
	int next_ex = argc == 3 && strcmp(argv[1], "--next-ex") == 0;
	const char *path = argc == 2 ? argv[1] : next_ex ? argv[2] : NULL;
	pcap_t *p;
	int r;

	if (path == NULL) {
		fprintf(stderr, "usage: tcptrack-pcapfloor [--next-ex] FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (p == NULL) {
		fprintf(stderr, "tcptrack-pcapfloor: %s: %s\n", path, err);
		return 1;
	}
	if (next_ex) {
		struct pcap_pkthdr *h;
		const u_char *d;
		while ((r = pcap_next_ex(p, &h, &d)) == 1)
			touch((u_char *)&a, h, d);
	} else {
		while ((r = pcap_dispatch(p, 4096, touch, (u_char *)&a)) > 0)
			;
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "tcptrack-pcapfloor: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%" PRIu64 " packets, checksum %" PRIu64 "\n", a.packets, a.sum);
	return 0;
}
