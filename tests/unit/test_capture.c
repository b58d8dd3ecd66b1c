/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_capture.c - capture files through libpcap (src/capture.c): the error
 * messages for missing, empty, foreign and truncated files, pcap files with
 * microsecond and nanosecond timestamps in both byte orders, pcapng, a file
 * cut inside a record, BPF filters, standard input, and tt_capture_free().
 *
 * pcap files are written byte by byte into a mkdtemp() directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktbuild.h"
#include "tcptrack/capture.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: a temporary directory -------------------------------------------------------- */

static char dir[64];
static char paths[8][128];
static size_t n_paths;
static char errbuf[TT_ERRBUF_SIZE];
static struct tt_capture *cap; /* the capture under test; closed by teardown() */

static void setup(void)
{
	cap = NULL;
	snprintf(dir, sizeof(dir), "/tmp/tt-capture-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	n_paths = 0;
	memset(errbuf, 0, sizeof(errbuf));
}

static void teardown(void)
{
	tt_capture_free(&cap);
	for (size_t i = 0; i < n_paths; i++)
		unlink(paths[i]);
	rmdir(dir);
}

static const char *path_of(const char *name)
{
	cr_assert_lt(n_paths, NELEM(paths));
	snprintf(paths[n_paths], sizeof(paths[0]), "%s/%s", dir, name);
	return paths[n_paths++];
}

/* ---- building files ------------------------------------------------------------------------ */

struct buf {
	uint8_t b[8192];
	size_t n;
	bool be; /* write multi-byte fields big-endian */
};

static void put(struct buf *f, const void *p, size_t n)
{
	cr_assert_leq(f->n + n, sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put32(struct buf *f, uint32_t v)
{
	uint8_t b[4];

	if (f->be) {
		b[0] = (uint8_t)(v >> 24);
		b[1] = (uint8_t)(v >> 16);
		b[2] = (uint8_t)(v >> 8);
		b[3] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)(v >> 16);
		b[3] = (uint8_t)(v >> 24);
	}
	put(f, b, 4);
}

static void put16(struct buf *f, uint16_t v)
{
	uint8_t b[2];

	if (f->be) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	}
	put(f, b, 2);
}

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

/* The pcap global header: magic, version 2.4, thiszone, sigfigs, snaplen, linktype. */
static void global_header(struct buf *f, uint32_t magic, uint32_t linktype)
{
	put32(f, magic);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, linktype);
}

/* A record header and caplen bytes of data (i + k for byte i). */
static void record(struct buf *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                   uint8_t k)
{
	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	for (uint32_t i = 0; i < caplen; i++) {
		uint8_t b = (uint8_t)(i + k);
		put(f, &b, 1);
	}
}

static const char *write_file(const char *name, const void *data, size_t n)
{
	const char *p = path_of(name);
	FILE *fp = fopen(p, "wb");

	cr_assert_not_null(fp);
	if (n > 0)
		cr_assert_eq(fwrite(data, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
	return p;
}

/* Two records: 60 bytes at 1700000000.123456, 40 of 1514 bytes at 1700000001.000001. */
static void two_records(struct buf *f, uint32_t magic)
{
	global_header(f, magic, 1);
	record(f, 1700000000u, magic == MAGIC_NS ? 123456789u : 123456u, 60, 60, 1);
	record(f, 1700000001u, magic == MAGIC_NS ? 999999999u : 1u, 40, 1514, 2);
}

static void assert_data(const struct tt_rawpkt *pkt, uint8_t k)
{
	for (uint32_t i = 0; i < pkt->caplen; i++)
		cr_assert_eq(pkt->data[i], (uint8_t)(i + k), "byte %u", i);
}

static struct tt_capture *open_ok(const char *path)
{
	struct tt_capture *c = NULL;
	int rc = tt_capture_open_file(&c, path, errbuf);

	cr_assert_eq(rc, TT_OK, "%s", errbuf);
	cr_assert_not_null(c);
	return c;
}

/* ---- open errors --------------------------------------------------------------------------- */

Test(capture, missing_file, .init = setup, .fini = teardown)
{
	struct tt_capture *c = (struct tt_capture *)errbuf; /* must be overwritten */
	const char *p = path_of("nope.pcap");
	char want[TT_ERRBUF_SIZE];

	cr_assert_eq(tt_capture_open_file(&c, p, errbuf), TT_ERR_IO);
	cr_assert_null(c);
	snprintf(want, sizeof(want), "%s: No such file or directory", p);
	cr_assert_str_eq(errbuf, want);
}

Test(capture, empty_file, .init = setup, .fini = teardown)
{
	const char *p = write_file("empty.pcap", "", 0);
	char want[TT_ERRBUF_SIZE];
	int rc = tt_capture_open_file(&cap, p, errbuf);

	cr_assert_lt(rc, 0);
	cr_assert_null(cap);
	snprintf(want, sizeof(want), "%s: empty file, not a pcap or pcapng file", p);
	cr_assert_str_eq(errbuf, want);
	cr_assert_not_null(strstr(errbuf, "empty"));
}

Test(capture, random_bytes, .init = setup, .fini = teardown)
{
	uint8_t junk[100];
	const char *p;
	char want[TT_ERRBUF_SIZE];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	p = write_file("junk.bin", junk, sizeof(junk));
	cr_assert_eq(tt_capture_open_file(&cap, p, errbuf), TT_ERR_PCAP);
	cr_assert_null(cap);
	snprintf(want, sizeof(want), "%s: not a pcap or pcapng file", p);
	cr_assert_str_eq(errbuf, want);
}

/* A directory opens with fopen() but cannot be read. */
Test(capture, directory, .init = setup, .fini = teardown)
{
	char want[TT_ERRBUF_SIZE];

	cr_assert_eq(tt_capture_open_file(&cap, dir, errbuf), TT_ERR_IO);
	cr_assert_null(cap);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	cr_assert_str_eq(errbuf, want);
}

/* A text file with a single byte. */
Test(capture, one_byte_file, .init = setup, .fini = teardown)
{
	const char *p = write_file("one.txt", "\n", 1);

	cr_assert_lt(tt_capture_open_file(&cap, p, errbuf), 0);
	cr_assert_null(cap);
	cr_assert_eq(strncmp(errbuf, p, strlen(p)), 0, "%s", errbuf);
}

Test(capture, truncated_file_header, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	const char *p;
	char want[TT_ERRBUF_SIZE];

	global_header(&f, MAGIC_US, 1);
	p = write_file("short.pcap", f.b, 10);
	cr_assert_eq(tt_capture_open_file(&cap, p, errbuf), TT_ERR_PCAP);
	cr_assert_null(cap);
	snprintf(want, sizeof(want), "%s: truncated in the file header", p);
	cr_assert_str_eq(errbuf, want);
}

/* Only the magic number. */
Test(capture, magic_only, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	const char *p;
	char want[TT_ERRBUF_SIZE];

	put32(&f, MAGIC_NS);
	p = write_file("magic.pcap", f.b, f.n);
	cr_assert_eq(tt_capture_open_file(&cap, p, errbuf), TT_ERR_PCAP);
	snprintf(want, sizeof(want), "%s: truncated in the file header", p);
	cr_assert_str_eq(errbuf, want);
}

/* A pcapng section header block cut after its byte-order magic and version. */
Test(capture, truncated_pcapng_header, .init = setup, .fini = teardown)
{
	static const uint8_t shb[14] = {0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0,
	                                0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00};
	const char *p = write_file("short.pcapng", shb, sizeof(shb));
	char want[TT_ERRBUF_SIZE];

	cr_assert_eq(tt_capture_open_file(&cap, p, errbuf), TT_ERR_PCAP);
	cr_assert_null(cap);
	snprintf(want, sizeof(want), "%s: truncated in the file header", p);
	cr_assert_str_eq(errbuf, want);
}

/* ---- reading ------------------------------------------------------------------------------- */

Test(capture, pcap_microseconds, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;
	const char *p;

	two_records(&f, MAGIC_US);
	p = write_file("us.pcap", f.b, f.n);
	cap = open_ok(p);
	cr_assert_eq(tt_capture_datalink(cap), 1);
	cr_assert_str_eq(tt_capture_datalink_name(cap), "EN10MB");
	cr_assert_str_eq(tt_capture_name(cap), p);

	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000000123456000));
	cr_assert_eq(pkt.caplen, 60);
	cr_assert_eq(pkt.wire_len, 60);
	assert_data(&pkt, 1);

	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000001000001000));
	cr_assert_eq(pkt.caplen, 40);
	cr_assert_eq(pkt.wire_len, 1514);
	assert_data(&pkt, 2);

	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
	cr_assert_null(cap);
}

Test(capture, pcap_nanoseconds, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;

	two_records(&f, MAGIC_NS);
	cap = open_ok(write_file("ns.pcap", f.b, f.n));
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000000123456789));
	cr_assert_eq(pkt.caplen, 60);
	cr_assert_eq(pkt.wire_len, 60);
	assert_data(&pkt, 1);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000001999999999));
	cr_assert_eq(pkt.caplen, 40);
	cr_assert_eq(pkt.wire_len, 1514);
	assert_data(&pkt, 2);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

/* A file written on a big-endian host. */
Test(capture, pcap_big_endian, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0, .be = true};
	struct tt_rawpkt pkt;

	two_records(&f, MAGIC_US);
	cap = open_ok(write_file("be.pcap", f.b, f.n));
	cr_assert_eq(tt_capture_datalink(cap), 1);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000000123456000));
	cr_assert_eq(pkt.caplen, 60);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.wire_len, 1514);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

/* A header and no records: end of input at once. */
Test(capture, no_records, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;

	global_header(&f, MAGIC_US, 101);
	cap = open_ok(write_file("hdr.pcap", f.b, f.n));
	cr_assert_eq(tt_capture_datalink(cap), 12); /* LINKTYPE_RAW is DLT_RAW */
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

Test(capture, truncated_in_record_data, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;
	const char *p;
	char want[TT_ERRBUF_SIZE];

	two_records(&f, MAGIC_US);
	p = write_file("cut.pcap", f.b, f.n - 15); /* 25 of the second record's 40 bytes */
	cap = open_ok(p);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.caplen, 60);
	assert_data(&pkt, 1);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), TT_ERR_TRUNCATED);
	cr_assert_not_null(strstr(errbuf, "truncated"), "%s", errbuf);
	snprintf(want, sizeof(want), "%s: file truncated in the middle of a packet record", p);
	cr_assert_str_eq(errbuf, want);
	tt_capture_free(&cap);
}

Test(capture, truncated_in_record_header, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;

	two_records(&f, MAGIC_US);
	/* Global header, first record, and 9 bytes of the second record's header. */
	cap = open_ok(write_file("cuthdr.pcap", f.b, 24 + 16 + 60 + 9));
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), TT_ERR_TRUNCATED);
	cr_assert_not_null(strstr(errbuf, "truncated"), "%s", errbuf);
	tt_capture_free(&cap);
}

/* ---- pcapng (written by pktbuild) ---------------------------------------------------------- */

Test(capture, pcapng_nanoseconds, .init = setup, .fini = teardown)
{
	const char *p = path_of("ns.pcapng");
	FILE *fp = fopen(p, "wb");
	struct pb_writer w;
	uint8_t frame[64];
	struct tt_rawpkt pkt;

	cr_assert_not_null(fp);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	cr_assert_eq(pb_writer_begin(&w, fp, PB_PCAPNG, true, PB_LINK_ETHER, 65535), 0);
	cr_assert_eq(pb_writer_frame(&w, UINT64_C(1700000000123456789), frame, sizeof(frame)), 0);
	cr_assert_eq(fclose(fp), 0);
	cap = open_ok(p);
	cr_assert_eq(tt_capture_datalink(cap), 1);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000000123456789));
	cr_assert_eq(pkt.caplen, 64);
	cr_assert_eq(pkt.wire_len, 64);
	cr_assert_eq(memcmp(pkt.data, frame, sizeof(frame)), 0);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

/* ---- filters ------------------------------------------------------------------------------- */

/* An Ethernet frame carrying a TCP segment 192.0.2.1:40000 -> 198.51.100.7:dport. */
static size_t tcp_frame(uint8_t *out, size_t size, uint16_t dport)
{
	struct pb_addr a, b;
	struct pb_ip ip;
	struct pb_tcp tcp;
	struct pb_link link;
	uint8_t ipbuf[256];
	size_t n;

	cr_assert_eq(pb_addr_parse(&a, "192.0.2.1"), 0);
	cr_assert_eq(pb_addr_parse(&b, "198.51.100.7"), 0);
	cr_assert_eq(pb_ip_init(&ip, &a, &b), 0);
	pb_tcp_init(&tcp, 40000, dport);
	tcp.flags = PB_TH_SYN;
	tcp.seq = 1000;
	tcp.win = 65535;
	n = pb_build_tcp(ipbuf, sizeof(ipbuf), &ip, &tcp);
	cr_assert_gt(n, 0);
	pb_link_init(&link, PB_LINK_ETHER);
	n = pb_build_link(out, size, &link, PB_ETHERTYPE_IPV4, ipbuf, n);
	cr_assert_gt(n, 0);
	return n;
}

static void frame_record(struct buf *f, uint32_t sec, const uint8_t *frame, size_t n)
{
	put32(f, sec);
	put32(f, 0);
	put32(f, (uint32_t)n);
	put32(f, (uint32_t)n);
	put(f, frame, n);
}

Test(capture, filter_selects_frames, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	uint8_t frame[256];
	struct tt_rawpkt pkt;
	size_t n;

	global_header(&f, MAGIC_US, 1);
	n = tcp_frame(frame, sizeof(frame), 443);
	frame_record(&f, 100, frame, n);
	n = tcp_frame(frame, sizeof(frame), 80);
	frame_record(&f, 200, frame, n);
	n = tcp_frame(frame, sizeof(frame), 8080);
	frame_record(&f, 300, frame, n);
	cap = open_ok(write_file("filter.pcap", f.b, f.n));
	cr_assert_eq(tt_capture_set_filter(cap, "tcp port 80", errbuf), TT_OK, "%s", errbuf);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(200) * TT_NS_PER_SEC);
	cr_assert_eq(pkt.caplen, (uint32_t)n);
	/* Destination port 80 at Ethernet 14 + IPv4 20 + 2. */
	cr_assert_eq(pkt.data[36], 0);
	cr_assert_eq(pkt.data[37], 80);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

/* Without a filter the same file yields all three frames. */
Test(capture, no_filter_all_frames, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	uint8_t frame[256];
	struct tt_rawpkt pkt;
	int n_read = 0;

	global_header(&f, MAGIC_US, 1);
	for (uint32_t i = 0; i < 3; i++) {
		size_t n = tcp_frame(frame, sizeof(frame), (uint16_t)(80 + i));
		frame_record(&f, 100 + i, frame, n);
	}
	cap = open_ok(write_file("all.pcap", f.b, f.n));
	while (tt_capture_next(cap, &pkt, errbuf) == 1)
		n_read++;
	cr_assert_eq(n_read, 3);
	tt_capture_free(&cap);
}

Test(capture, bad_filter, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};

	two_records(&f, MAGIC_US);
	cap = open_ok(write_file("bf.pcap", f.b, f.n));
	cr_assert_eq(tt_capture_set_filter(cap, "tcp port nonsense ((", errbuf), TT_ERR_INVAL);
	cr_assert_eq(strncmp(errbuf, "filter 'tcp port nonsense ((': ", 31), 0, "%s", errbuf);
	cr_assert_gt(strlen(errbuf), 31);
	/* The capture is still usable, unfiltered. */
	struct tt_rawpkt pkt;
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1);
	tt_capture_free(&cap);
}

/* ---- standard input and freeing ------------------------------------------------------------ */

Test(capture, stdin_dash, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};
	struct tt_rawpkt pkt;
	const char *p;

	two_records(&f, MAGIC_US);
	p = write_file("in.pcap", f.b, f.n);
	cr_assert_not_null(freopen(p, "rb", stdin));
	cap = open_ok("-");
	cr_assert_str_eq(tt_capture_name(cap), "(stdin)");
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(pkt.ts, INT64_C(1700000000123456000));
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 1, "%s", errbuf);
	cr_assert_eq(tt_capture_next(cap, &pkt, errbuf), 0);
	tt_capture_free(&cap);
}

Test(capture, free_null_and_twice, .init = setup, .fini = teardown)
{
	struct buf f = {.n = 0};

	tt_capture_free(NULL);
	tt_capture_free(&cap);
	cr_assert_null(cap);
	two_records(&f, MAGIC_US);
	cap = open_ok(write_file("free.pcap", f.b, f.n));
	tt_capture_free(&cap);
	cr_assert_null(cap);
	tt_capture_free(&cap);
	cr_assert_null(cap);
}

/* A long path is kept whole in the error message (up to TT_ERRBUF_SIZE). */
Test(capture, long_name_in_error, .init = setup, .fini = teardown)
{
	char p[200];

	memset(p, 'a', sizeof(p));
	memcpy(p, "/nonexistent/", 13);
	p[sizeof(p) - 1] = '\0';
	cr_assert_eq(tt_capture_open_file(&cap, p, errbuf), TT_ERR_IO);
	cr_assert_eq(strncmp(errbuf, p, strlen(p)), 0);
	cr_assert_str_eq(errbuf + strlen(p), ": No such file or directory");
}
