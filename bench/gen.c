/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen.c - a deterministic synthetic TCP capture for the benchmark.
 *
 *   tcptrack-benchgen [--flows N] [--packets N] [--concurrent N] [--seed N]
 *                     [--gap-us N] [--snaplen N] -o FILE.pcap
 *
 * Writes a classic pcap (Ethernet, µs timestamps) of `flows` TCP connections,
 * `concurrent` of them in progress at any time, interleaved at random, one frame
 * every `gap-us` microseconds, until both `flows` have started and `packets`
 * frames are written (whichever the model reaches later decides the size; the
 * defaults are the 2M packets / 100k connections / ~1.4k at once).
 *
 * Each connection: a handshake with MSS, SACK-permitted, timestamps and window
 * scale options; request/response exchanges (requests of 60..1,000 bytes,
 * responses of whole and partial segments, their count uniform and sized to
 * packets/flows, an ACK every second segment; several rounds when there are
 * more than 60 packets per connection); then a close from either side with both FINs, or a reset (5%).
 * Shares: 2% unanswered SYNs (the SYN and two retries), 1% of data segments
 * retransmitted, 0.5% reordered with their successor, 1% of connections with a
 * zero-window stall and a window update, 10% IPv6, 10% with an 802.1Q tag.
 * Frames are cut to the snaplen (default 128) with their real length kept.
 * The same seed gives the same file, byte for byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1448u

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r) /* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rnd(r) % n);
}

/* Per mille. */
static bool chance(struct rng *r, uint32_t pm)
{
	return below(r, 1000) < pm;
}

enum phase {
	PH_SYN, PH_SYNACK, PH_ACK, PH_REQ, PH_RESP, PH_ZW, PH_CLOSE, PH_DONE
};

struct flow {
	uint32_t caddr, saddr;      /* IPv4, or the low bits of the IPv6 addresses */
	uint16_t cport, sport;
	bool v6, vlan, rst_end, silent, client_closes, zero_window;
	uint8_t syn_tries;
	enum phase ph;
	uint32_t cseq, sseq;        /* next sequence numbers to send */
	uint32_t exchanges;         /* request/response rounds left */
	uint32_t left;              /* bytes left in the current request or response */
	uint32_t unacked;           /* server segments since the client's last ACK */
	uint8_t close_step;
	uint32_t tsc, tss;          /* timestamp clocks */
	/* A segment to send again (retransmission) or to send after the next one (reordering). */
	bool have_held;
	bool held_is_retx;
	uint32_t held_seq, held_len;
};

struct gen {
	struct rng r;
	FILE *out;
	uint32_t snaplen;
	uint64_t now_us, gap_us;
	uint64_t packets;
	uint16_t next_port;
	uint32_t next_client;
	uint32_t resp_max;          /* response sizes: 1..resp_max segments, uniform */
	bool multi;                 /* several request/response rounds per connection */
	uint8_t buf[2048];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* Write one segment of flow f; from_client says its direction. */
static int emit(struct gen *g, const struct flow *f, bool from_client, uint8_t flags, uint32_t seq,
                uint32_t ack, uint16_t win, uint32_t len)
{
	uint8_t *p = g->buf, *ip, *tcp;
	size_t l2 = 14, iphl = f->v6 ? 40 : 20, thl;
	uint8_t opt[40];
	size_t ol = 0;
	uint32_t tsval = from_client ? f->tsc : f->tss, tsecr = from_client ? f->tss : f->tsc;

	if (flags & F_SYN) {
		opt[ol++] = 2, opt[ol++] = 4, put16(opt + ol, (uint16_t)(f->v6 ? MSS - 20 : MSS)), ol += 2;
		opt[ol++] = 4, opt[ol++] = 2;                       /* SACK permitted */
		opt[ol++] = 8, opt[ol++] = 10, put32(opt + ol, tsval), put32(opt + ol + 4,
		                                                           (flags & F_ACK) ? tsecr : 0), ol += 8;
		opt[ol++] = 1, opt[ol++] = 3, opt[ol++] = 3, opt[ol++] = 7; /* window scale 7 */
	} else if (!(flags & F_RST)) {
		opt[ol++] = 1, opt[ol++] = 1;
		opt[ol++] = 8, opt[ol++] = 10, put32(opt + ol, tsval), put32(opt + ol + 4, tsecr), ol += 8;
	}
	thl = 20 + ol;

	memset(p, 0, 12);
	p[5] = f->v6 ? 0x02 : 0x01;                 /* server and client MACs */
	p[11] = f->v6 ? 0x01 : 0x02;
	if (f->vlan) {
		put16(p + 12, 0x8100);
		put16(p + 14, (uint16_t)(100 + (f->sport & 0xff)));
		l2 = 18;
	}
	put16(p + l2 - 2, f->v6 ? 0x86dd : 0x0800);
	ip = p + l2;
	tcp = ip + iphl;
	if (f->v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(thl + len));
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd, ip[23] = 1;               /* fd00::/8 addresses */
		put32(ip + 20, from_client ? f->caddr : f->saddr);
		ip[24] = 0xfd, ip[39] = 1;
		put32(ip + 36, from_client ? f->saddr : f->caddr);
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + thl + len));
		put16(ip + 4, (uint16_t)(g->packets & 0xffff));
		ip[6] = 0x40;                           /* DF */
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, from_client ? f->caddr : f->saddr);
		put32(ip + 16, from_client ? f->saddr : f->caddr);
		put16(ip + 10, csum(ip, 20));
	}
	put16(tcp, from_client ? f->cport : f->sport);
	put16(tcp + 2, from_client ? f->sport : f->cport);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & F_ACK) ? ack : 0);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, win);
	put16(tcp + 16, 0);                         /* checksum not computed: tools do not verify */
	put16(tcp + 18, 0);
	memcpy(tcp + 20, opt, ol);

	size_t wire = l2 + iphl + thl + len, hdr = l2 + iphl + thl;
	size_t cap = wire < g->snaplen ? wire : g->snaplen;
	if (cap > hdr)
		memset(p + hdr, 0x5a, cap - hdr);
	uint8_t rec[16];
	le32(rec, (uint32_t)(g->now_us / 1000000));
	le32(rec + 4, (uint32_t)(g->now_us % 1000000));
	le32(rec + 8, (uint32_t)cap);
	le32(rec + 12, (uint32_t)wire);
	if (fwrite(rec, 1, 16, g->out) != 16 || fwrite(p, 1, cap, g->out) != cap)
		return -1;
	g->packets++;
	g->now_us += g->gap_us / 2 + below(&g->r, (uint32_t)g->gap_us + 1);
	return 0;
}

static void flow_start(struct gen *g, struct flow *f)
{
	struct rng *r = &g->r;

	memset(f, 0, sizeof(*f));
	f->v6 = chance(r, 100);
	f->vlan = !f->v6 && chance(r, 111);
	/* Clients 10.1.x.y (fd00::...), 64 ports each before moving on: many 4-tuples. */
	f->caddr = 0x0a010000u + (g->next_client % 60000u);
	f->cport = (uint16_t)(1024 + g->next_port);
	if (++g->next_port >= 60000) {
		g->next_port = 0;
		g->next_client++;
	}
	if ((g->next_port & 63) == 0)
		g->next_client++;
	f->saddr = 0x0a020000u + below(r, 64);
	static const uint16_t ports[] = {443, 443, 443, 80, 80, 8080, 5432, 6379, 22, 3306};
	f->sport = ports[below(r, sizeof(ports) / sizeof(ports[0]))];
	f->cseq = (uint32_t)rnd(r);
	f->sseq = (uint32_t)rnd(r);
	f->tsc = (uint32_t)rnd(r);
	f->tss = (uint32_t)rnd(r);
	f->silent = chance(r, 20);
	f->rst_end = chance(r, 50);
	f->client_closes = chance(r, 600);
	f->zero_window = chance(r, 10);
	f->exchanges = g->multi ? 1 + below(r, 3) : 1;
	f->ph = PH_SYN;
}

/* Send the next segment of a data phase: the sender's seq advances unless it is a resend. */
static int data_segment(struct gen *g, struct flow *f, bool from_client)
{
	struct rng *r = &g->r;
	uint32_t *seq = from_client ? &f->cseq : &f->sseq;
	uint32_t ack = from_client ? f->sseq : f->cseq;
	uint32_t len;

	if (f->have_held && !f->held_is_retx) {
		/* The reordered segment, after its successor. */
		f->have_held = false;
		return emit(g, f, from_client, F_ACK | F_PSH, f->held_seq, ack, 1024, f->held_len);
	}
	if (f->have_held && chance(r, 300)) {
		f->have_held = false;
		return emit(g, f, from_client, F_ACK, f->held_seq, ack, 1024, f->held_len);
	}
	len = f->left < MSS ? f->left : MSS;
	if (!f->have_held && f->left > len && chance(r, 5)) {
		/* Reorder: this segment goes out after the next one. */
		f->have_held = true;
		f->held_is_retx = false;
		f->held_seq = *seq;
		f->held_len = len;
		*seq += len;
		f->left -= len;
		len = f->left < MSS ? f->left : MSS;
	} else if (!f->have_held && chance(r, 10)) {
		f->have_held = true;
		f->held_is_retx = true;
		f->held_seq = *seq;
		f->held_len = len;
	}
	if (emit(g, f, from_client, F_ACK | (f->left == len ? F_PSH : 0), *seq, ack, 1024, len) != 0)
		return -1;
	*seq += len;
	f->left -= len;
	return 0;
}

/* Advance flow f by one segment. */
static int flow_step(struct gen *g, struct flow *f)
{
	struct rng *r = &g->r;

	f->tsc += 1 + below(r, 3);
	f->tss += 1 + below(r, 3);
	switch (f->ph) {
	case PH_SYN:
		if (emit(g, f, true, F_SYN, f->cseq, 0, 64240, 0) != 0)
			return -1;
		if (f->silent) {
			if (++f->syn_tries == 3)
				f->ph = PH_DONE;
			return 0;
		}
		f->cseq++;
		f->ph = PH_SYNACK;
		return 0;
	case PH_SYNACK:
		if (emit(g, f, false, F_SYN | F_ACK, f->sseq, f->cseq, 65160, 0) != 0)
			return -1;
		f->sseq++;
		f->ph = PH_ACK;
		return 0;
	case PH_ACK:
		if (emit(g, f, true, F_ACK, f->cseq, f->sseq, 502, 0) != 0)
			return -1;
		f->ph = PH_REQ;
		f->left = 60 + below(r, 940);
		return 0;
	case PH_REQ:
		if (f->have_held || f->left > 0) {
			if (data_segment(g, f, true) != 0)
				return -1;
			if (f->left == 0 && !f->have_held) {
				uint32_t segs = 1 + below(r, g->resp_max);
				f->left = segs * MSS - below(r, MSS);
				f->ph = PH_RESP;
			}
			return 0;
		}
		f->ph = PH_RESP;
		return flow_step(g, f);
	case PH_RESP:
		if (f->unacked >= 2 || (f->left == 0 && !f->have_held)) {
			bool last = f->left == 0 && !f->have_held;
			uint16_t win = 502;
			if (f->zero_window && f->exchanges == 1 && last) {
				f->ph = PH_ZW;
				win = 0;
			}
			if (emit(g, f, true, F_ACK, f->cseq, f->sseq, win, 0) != 0)
				return -1;
			f->unacked = 0;
			if (last && f->ph != PH_ZW) {
				if (--f->exchanges > 0) {
					f->ph = PH_REQ;
					f->left = 60 + below(r, 940);
				} else {
					f->ph = PH_CLOSE;
				}
			}
			return 0;
		}
		f->unacked++;
		return data_segment(g, f, false);
	case PH_ZW:
		/* The window opens again. */
		if (emit(g, f, true, F_ACK, f->cseq, f->sseq, 502, 0) != 0)
			return -1;
		f->ph = PH_CLOSE;
		return 0;
	case PH_CLOSE: {
		bool c = f->client_closes;
		if (f->rst_end) {
			f->ph = PH_DONE;
			return emit(g, f, c, F_RST | F_ACK, c ? f->cseq : f->sseq, c ? f->sseq : f->cseq, 0, 0);
		}
		switch (f->close_step++) {
		case 0: /* the closer's FIN */
			if (emit(g, f, c, F_FIN | F_ACK, c ? f->cseq : f->sseq, c ? f->sseq : f->cseq, 502, 0))
				return -1;
			if (c)
				f->cseq++;
			else
				f->sseq++;
			return 0;
		case 1: /* its ACK */
			return emit(g, f, !c, F_ACK, c ? f->sseq : f->cseq, c ? f->cseq : f->sseq, 502, 0);
		case 2: /* the other FIN */
			if (emit(g, f, !c, F_FIN | F_ACK, c ? f->sseq : f->cseq, c ? f->cseq : f->sseq, 502, 0))
				return -1;
			if (c)
				f->sseq++;
			else
				f->cseq++;
			return 0;
		default: /* the last ACK */
			f->ph = PH_DONE;
			return emit(g, f, c, F_ACK, c ? f->cseq : f->sseq, c ? f->sseq : f->cseq, 502, 0);
		}
	}
	case PH_DONE:
		return 0;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: tcptrack-benchgen [--flows N] [--packets N] [--concurrent N] "
	                "[--seed N] [--gap-us N] [--snaplen N] -o FILE.pcap\n");
	return 2;
}

static bool number(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*v = x;
	return true;
}

int main(int argc, char **argv)
{
	uint64_t flows = 100000, packets = 2000000, concurrent = 1400, seed = 1, gap = 20, snap = 128;
	const char *path = NULL;
	struct gen g;
	struct flow *active;
	uint64_t started = 0;

	for (int i = 1; i < argc; i++) {
		uint64_t *dst = NULL;
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--flows") == 0)
			dst = &flows;
		else if (strcmp(argv[i], "--packets") == 0)
			dst = &packets;
		else if (strcmp(argv[i], "--concurrent") == 0)
			dst = &concurrent;
		else if (strcmp(argv[i], "--seed") == 0)
			dst = &seed;
		else if (strcmp(argv[i], "--gap-us") == 0)
			dst = &gap;
		else if (strcmp(argv[i], "--snaplen") == 0)
			dst = &snap;
		if (dst == NULL || i + 1 >= argc || !number(argv[++i], dst))
			return usage();
	}
	if (path == NULL || flows == 0 || concurrent == 0 || snap < 64 || snap > 2048 || gap == 0)
		return usage();
	if (concurrent > flows)
		concurrent = flows;

	memset(&g, 0, sizeof(g));
	g.r.s = seed;
	g.snaplen = (uint32_t)snap;
	g.gap_us = gap;
	g.now_us = 1700000000ull * 1000000ull;
	g.out = fopen(path, "wb");
	if (g.out == NULL) {
		fprintf(stderr, "tcptrack-benchgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char obuf[1 << 20];
	setvbuf(g.out, obuf, _IOFBF, sizeof(obuf));
	active = calloc((size_t)concurrent, sizeof(*active));
	if (active == NULL) {
		fprintf(stderr, "tcptrack-benchgen: out of memory\n");
		return 1;
	}
	uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
	le32(gh + 16, (uint32_t)snap);
	le32(gh + 20, 1); /* Ethernet */
	if (fwrite(gh, 1, sizeof(gh), g.out) != sizeof(gh))
		goto write_error;
	/* About 9 segments of handshake, request, last ACK and close, plus 1.5 per response
	 * segment (data and every second ACK): sized to packets / flows per connection. */
	double per_flow = (double)packets / (double)flows, mean = (per_flow - 9.0) / 1.5;
	g.multi = per_flow > 60;
	if (g.multi)
		mean = mean / 2 - 1;
	g.resp_max = mean < 1 ? 1 : (uint32_t)(2 * mean - 1);
	for (uint64_t i = 0; i < concurrent; i++, started++)
		flow_start(&g, &active[i]);
	/* Stretch flows so that the requested packet count is reached with `flows` connections. */
	uint64_t live = concurrent;
	while (live > 0) {
		uint64_t i = below(&g.r, (uint32_t)concurrent);
		struct flow *f = &active[i];
		if (f->ph == PH_DONE)
			continue;
		if (flow_step(&g, f) != 0)
			goto write_error;
		if (f->ph == PH_DONE) {
			if (started < flows || g.packets < packets) {
				flow_start(&g, f);
				started++;
			} else {
				live--;
			}
		}
	}
	if (fflush(g.out) != 0 || ferror(g.out))
		goto write_error;
	fclose(g.out);
	free(active);
	fprintf(stderr, "%s: %" PRIu64 " packets, %" PRIu64 " connections, %.1f s of capture\n",
	        path, g.packets, started, (double)(g.now_us - 1700000000ull * 1000000ull) / 1e6);
	return 0;
write_error:
	fprintf(stderr, "tcptrack-benchgen: %s: write error: %s\n", path, strerror(errno));
	fclose(g.out);
	free(active);
	return 1;
}
