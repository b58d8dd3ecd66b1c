/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.c - libpcap sources.  The only translation unit that includes pcap.h.
 *
 * Files are opened with nanosecond timestamp precision so that pcap (µs and
 * ns) and pcapng files all deliver exact times; libpcap scales µs values.
 */
#include "tcptrack/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__has_include)
#if __has_include(<stdio_ext.h>)
#include <stdio_ext.h> /* __fsetlocking (glibc, musl) */
#define HAVE_FSETLOCKING 1
#endif
#endif

/* Whole seconds that fit a tt_time_ns with room for the fraction and 2*MSL. */
#define MAX_SECONDS (INT64_MAX / TT_NS_PER_SEC - 1000000)

struct tt_capture {
	pcap_t *pcap;
	int dlt;
	bool live;
	char *iobuf; /* the file's stdio buffer, freed after pcap_close() */
	char name[128];
};

/* Reading a file in 256 KiB blocks rather than stdio's 4 KiB: 64 times fewer
 * read() calls (on a 200 MB capture, 0.1 s of system time less). */
#define TT_CAPTURE_IOBUF (256u * 1024u)

static int open_stream(struct tt_capture **out, FILE *fp, const char *name, char *iobuf,
                       char *errbuf);

/* libpcap's messages are precise but terse; say what they mean for a user. */
static const char *explain_open_error(const char *pcap_msg)
{
	if (strstr(pcap_msg, "unknown file format") != NULL)
		return "not a pcap or pcapng file";
	if (strstr(pcap_msg, "truncated dump file") != NULL ||
	    strstr(pcap_msg, "truncated pcapng dump file") != NULL)
		return "truncated in the file header";
	return pcap_msg;
}

int tt_capture_open_file(struct tt_capture **out, const char *path, char *errbuf)
{
	FILE *fp;

	char *iobuf;

	*out = NULL;
	if (strcmp(path, "-") == 0) /* (standard input outlives us: stdio's buffer) */
		return open_stream(out, stdin, "(stdin)", NULL, errbuf);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return tt_set_errno(errbuf, TT_ERR_IO, errno, "%s", path);
	/* Before the first read, as setvbuf() requires; without the memory,
	 * stdio's own buffer does. */
	iobuf = malloc(TT_CAPTURE_IOBUF);
	if (iobuf != NULL && setvbuf(fp, iobuf, _IOFBF, TT_CAPTURE_IOBUF) != 0) {
		free(iobuf);
		iobuf = NULL;
	}
#ifdef HAVE_FSETLOCKING
	/* Only this thread reads the file: libpcap's two fread() calls per packet
	 * need not take and drop the stream's lock. */
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	return open_stream(out, fp, path, iobuf, errbuf);
}

int tt_capture_open_stream(struct tt_capture **out, FILE *fp, const char *name, char *errbuf)
{
	return open_stream(out, fp, name, NULL, errbuf);
}

/* iobuf: fp's buffer, or NULL; freed with the capture, or here on failure
 * (after fclose()). */
static int open_stream(struct tt_capture **out, FILE *fp, const char *name, char *iobuf,
                       char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct tt_capture *cap;
	/* Standard input is not ours to close (but libpcap's pcap_close() does). */
	bool owned = fp != stdin;
	const char *msg_name = fp == stdin ? "-" : name;
	int c;

	*out = NULL;
	/* libpcap reports an empty file as a short read; say "empty". */
	c = getc(fp);
	if (c == EOF) {
		if (ferror(fp)) {
			int e = errno;
			if (owned)
				fclose(fp);
			free(iobuf);
			return tt_set_errno(errbuf, TT_ERR_IO, e, "%s", msg_name);
		}
		if (owned)
			fclose(fp);
		free(iobuf);
		return tt_set_err(errbuf, TT_ERR_INVAL, "%s: empty file, not a pcap or pcapng file",
		                  msg_name);
	}
	ungetc(c, fp);

	pcap_err[0] = '\0';
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO,
	                                                     pcap_err);
	if (p == NULL) {
		if (owned)
			fclose(fp);
		free(iobuf);
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", msg_name,
		                  explain_open_error(pcap_err));
	}
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL) {
		pcap_close(p);
		free(iobuf);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "%s: out of memory", msg_name);
	}
	cap->pcap = p;
	cap->iobuf = iobuf;
	cap->dlt = pcap_datalink(p);
	snprintf(cap->name, sizeof(cap->name), "%s", name);
	*out = cap;
	return TT_OK;
}

int tt_capture_set_filter(struct tt_capture *cap, const char *expr, char *errbuf)
{
	struct bpf_program prog;

	if (pcap_compile(cap->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		return tt_set_err(errbuf, TT_ERR_INVAL, "filter '%s': %s", expr,
		                  pcap_geterr(cap->pcap));
	if (pcap_setfilter(cap->pcap, &prog) != 0) {
		pcap_freecode(&prog);
		return tt_set_err(errbuf, TT_ERR_INVAL, "filter '%s': %s", expr,
		                  pcap_geterr(cap->pcap));
	}
	pcap_freecode(&prog);
	return TT_OK;
}

struct tt_bpf {
	struct bpf_program prog;
};

int tt_capture_compile(struct tt_capture *cap, const char *expr, struct tt_bpf **out,
                       char *errbuf)
{
	struct tt_bpf *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "out of memory");
	if (pcap_compile(cap->pcap, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		free(f);
		return tt_set_err(errbuf, TT_ERR_INVAL, "%s", pcap_geterr(cap->pcap));
	}
	*out = f;
	return TT_OK;
}

bool tt_bpf_match(const struct tt_bpf *f, const struct tt_rawpkt *pkt)
{
	struct pcap_pkthdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.caplen = pkt->caplen;
	hdr.len = pkt->wire_len;
	return pcap_offline_filter(&f->prog, &hdr, pkt->data) != 0;
}

void tt_bpf_free(struct tt_bpf **fp)
{
	if (*fp == NULL)
		return;
	pcap_freecode(&(*fp)->prog);
	free(*fp);
	*fp = NULL;
}

/* A record's time in nanoseconds, for a second outside [0, MAX_SECONDS]. */
static __attribute__((noinline, cold)) tt_time_ns odd_time(int64_t sec, int64_t frac)
{
	/* A pcap record holds unsigned 32-bit seconds (up to 2106) but libpcap
	 * hands them over as signed: 2038-2106 would come out as 1901-1969.
	 * pcapng's 64-bit times are never negative, nor are a live capture's
	 * (after 1970), so a negative second is always such a record. */
	if (sec < 0 && sec >= INT32_MIN)
		sec += INT64_C(1) << 32;
	/* Times past 2262 (beyond 64-bit nanoseconds) saturate rather than wrap. */
	if (sec > MAX_SECONDS)
		return (tt_time_ns)MAX_SECONDS * TT_NS_PER_SEC;
	if (sec < -MAX_SECONDS)
		return -(tt_time_ns)MAX_SECONDS * TT_NS_PER_SEC;
	return (tt_time_ns)sec * TT_NS_PER_SEC + frac;
}

/* Is the record's second one of 1970 to 2262 (one comparison), whose time
 * plain_time() gives?  odd_time() gives the others'. */
static inline bool plain_second(const struct pcap_pkthdr *hdr)
{
	return (uint64_t)(int64_t)hdr->ts.tv_sec <= (uint64_t)MAX_SECONDS;
}

/* With PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds. */
static inline tt_time_ns plain_time(const struct pcap_pkthdr *hdr)
{
	return (tt_time_ns)hdr->ts.tv_sec * TT_NS_PER_SEC + (tt_time_ns)hdr->ts.tv_usec;
}

/* A record's time in nanoseconds. */
static inline tt_time_ns record_time(const struct pcap_pkthdr *hdr)
{
	if (plain_second(hdr))
		return plain_time(hdr);
	return odd_time((int64_t)hdr->ts.tv_sec, (int64_t)hdr->ts.tv_usec);
}

/* Bytes on the wire: never fewer than were captured. */
static inline uint32_t wire_len(const struct pcap_pkthdr *hdr)
{
	return hdr->len < hdr->caplen ? hdr->caplen : hdr->len;
}

static void fill_pkt(const struct pcap_pkthdr *hdr, const u_char *data, struct tt_rawpkt *pkt)
{
	pkt->ts = record_time(hdr);
	pkt->caplen = hdr->caplen;
	pkt->wire_len = wire_len(hdr);
	pkt->data = data;
}

struct dispatch {
	tt_frame_fn fn;
	void *user;
};

/* on_packet() of a record with an odd second (see odd_time()). */
static __attribute__((noinline, cold)) void on_odd_packet(const struct dispatch *d,
                                                          const struct pcap_pkthdr *hdr,
                                                          const u_char *data)
{
	d->fn(d->user, data, hdr->caplen, wire_len(hdr), record_time(hdr));
}

/* (Its one call is its last act, a jump: no stack frame.) */
static void on_packet(u_char *u, const struct pcap_pkthdr *hdr, const u_char *data)
{
	const struct dispatch *d = (const struct dispatch *)(const void *)u;

	if (!plain_second(hdr)) {
		on_odd_packet(d, hdr, data);
		return;
	}
	d->fn(d->user, data, hdr->caplen, wire_len(hdr), plain_time(hdr));
}

static int read_error(struct tt_capture *cap, char *errbuf)
{
	const char *msg = pcap_geterr(cap->pcap);

	if (strstr(msg, "truncated") != NULL)
		return tt_set_err(errbuf, TT_ERR_TRUNCATED,
		                  "%s: file truncated in the middle of a packet record", cap->name);
	return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", cap->name, msg);
}

int tt_capture_dispatch(struct tt_capture *cap, int max, tt_frame_fn fn, void *user,
                        char *errbuf)
{
	struct dispatch d = {fn, user};
	int r = pcap_dispatch(cap->pcap, max, on_packet, (u_char *)&d);

	if (r >= 0)
		return r;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	return read_error(cap, errbuf);
}

int tt_capture_next(struct tt_capture *cap, struct tt_rawpkt *pkt, char *errbuf)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r = pcap_next_ex(cap->pcap, &hdr, &data);

	if (r == 1) {
		fill_pkt(hdr, data, pkt);
		return 1;
	}
	if (r == 0 && cap->live)
		return 0; /* nothing waiting now */
	if (r == 1) {
		fill_pkt(hdr, data, pkt);
		return 1;
	}
	if (r == PCAP_ERROR_BREAK) /* -2: no more packets in the file */
		return 0;
	return read_error(cap, errbuf);
}

int tt_capture_datalink(const struct tt_capture *cap)
{
	return cap->dlt;
}

const char *tt_capture_datalink_name(const struct tt_capture *cap)
{
	const char *n = pcap_datalink_val_to_name(cap->dlt);
	return n != NULL ? n : "unknown";
}

const char *tt_capture_name(const struct tt_capture *cap)
{
	return cap->name;
}

/* What a failed pcap_activate() means for a user, in one line. */
static int activate_error(pcap_t *p, int r, const char *iface, char *errbuf)
{
	const char *msg = pcap_geterr(p);

	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return tt_set_err(errbuf, TT_ERR_IO, "%s: no such interface (tcptrack -D lists them)",
		                  iface);
	case PCAP_ERROR_PERM_DENIED:
		return tt_set_err(errbuf, TT_ERR_IO,
		                  "%s: permission denied: capturing needs root or the CAP_NET_RAW "
		                  "capability (e.g. setcap cap_net_raw,cap_net_admin=eip tcptrack)",
		                  iface);
	case PCAP_ERROR_IFACE_NOT_UP:
		return tt_set_err(errbuf, TT_ERR_IO, "%s: interface is down", iface);
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return tt_set_err(errbuf, TT_ERR_IO,
		                  "%s: permission denied for promiscuous mode (try -p)", iface);
	default:
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", iface,
		                  msg != NULL && *msg ? msg : pcap_statustostr(r));
	}
}

int tt_capture_open_live(struct tt_capture **out, const struct tt_live_opts *o, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct tt_capture *cap;
	pcap_t *p;
	int r;

	*out = NULL;
	p = pcap_create(o->iface, pcap_err);
	if (p == NULL)
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", o->iface, pcap_err);
	pcap_set_snaplen(p, o->snaplen);
	pcap_set_promisc(p, o->promisc ? 1 : 0);
	/* Packets as they come, not in batches: the view is live. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, o->buffer_bytes);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(p);
	if (r < 0) {
		r = activate_error(p, r, o->iface, errbuf);
		pcap_close(p);
		return r;
	}
	/* (Warnings, r > 0, such as "promiscuous mode not supported", are not fatal.) */
	if (pcap_setnonblock(p, 1, pcap_err) != 0) {
		pcap_close(p);
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", o->iface, pcap_err);
	}
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL) {
		pcap_close(p);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "%s: out of memory", o->iface);
	}
	cap->pcap = p;
	cap->dlt = pcap_datalink(p);
	cap->live = true;
	snprintf(cap->name, sizeof(cap->name), "%s", o->iface);
	*out = cap;
	return TT_OK;
}

int tt_capture_fd(const struct tt_capture *cap)
{
	return cap->live ? pcap_get_selectable_fd(cap->pcap) : -1;
}

int tt_capture_stats(struct tt_capture *cap, struct tt_capture_counts *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (!cap->live || pcap_stats(cap->pcap, &ps) != 0)
		return TT_ERR_UNSUPPORTED;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return TT_OK;
}

int tt_capture_list_devices(tt_device_fn fn, void *user, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all, *d;
	int n = 0;

	if (pcap_findalldevs(&all, pcap_err) != 0)
		return tt_set_err(errbuf, TT_ERR_PCAP, "cannot list interfaces: %s", pcap_err);
	for (d = all; d != NULL; d = d->next) {
		unsigned f = 0;
		if (d->flags & PCAP_IF_UP)
			f |= TT_DEV_UP;
		if (d->flags & PCAP_IF_RUNNING)
			f |= TT_DEV_RUNNING;
		if (d->flags & PCAP_IF_LOOPBACK)
			f |= TT_DEV_LOOPBACK;
		fn(++n, d->name, d->description, f, user);
	}
	pcap_freealldevs(all);
	return n;
}

void tt_capture_free(struct tt_capture **capp)
{
	if (capp == NULL || *capp == NULL)
		return;
	pcap_close((*capp)->pcap); /* closes the FILE too (stdin included) */
	free((*capp)->iobuf);
	free(*capp);
	*capp = NULL;
}
