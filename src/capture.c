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

/* Whole seconds that fit a tt_time_ns with room for the fraction and 2*MSL. */
#define MAX_SECONDS (INT64_MAX / TT_NS_PER_SEC - 1000000)

struct tt_capture {
	pcap_t *pcap;
	int dlt;
	char name[128];
};

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
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct tt_capture *cap;
	FILE *fp;
	int c;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		fp = stdin;
	} else {
		fp = fopen(path, "rb");
		if (fp == NULL)
			return tt_set_errno(errbuf, TT_ERR_IO, errno, "%s", path);
	}
	/* libpcap reports an empty file as a short read; say "empty". */
	c = getc(fp);
	if (c == EOF) {
		if (ferror(fp)) {
			int e = errno;
			if (fp != stdin)
				fclose(fp);
			return tt_set_errno(errbuf, TT_ERR_IO, e, "%s", path);
		}
		if (fp != stdin)
			fclose(fp);
		return tt_set_err(errbuf, TT_ERR_INVAL, "%s: empty file, not a pcap or pcapng file",
		                  path);
	}
	ungetc(c, fp);

	pcap_err[0] = '\0';
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO,
	                                                     pcap_err);
	if (p == NULL) {
		if (fp != stdin)
			fclose(fp);
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", path, explain_open_error(pcap_err));
	}
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL) {
		pcap_close(p);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "%s: out of memory", path);
	}
	cap->pcap = p;
	cap->dlt = pcap_datalink(p);
	snprintf(cap->name, sizeof(cap->name), "%s", strcmp(path, "-") == 0 ? "(stdin)" : path);
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

int tt_capture_next(struct tt_capture *cap, struct tt_rawpkt *pkt, char *errbuf)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r = pcap_next_ex(cap->pcap, &hdr, &data);

	if (r == 1) {
		/* With PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds.  Times
		 * past 2262 (beyond 64-bit nanoseconds) saturate rather than wrap. */
		if (hdr->ts.tv_sec > MAX_SECONDS)
			pkt->ts = (tt_time_ns)MAX_SECONDS * TT_NS_PER_SEC;
		else if (hdr->ts.tv_sec < -MAX_SECONDS)
			pkt->ts = -(tt_time_ns)MAX_SECONDS * TT_NS_PER_SEC;
		else
			pkt->ts = (tt_time_ns)hdr->ts.tv_sec * TT_NS_PER_SEC +
			          (tt_time_ns)hdr->ts.tv_usec;
		pkt->caplen = hdr->caplen;
		pkt->wire_len = hdr->len < hdr->caplen ? hdr->caplen : hdr->len;
		pkt->data = data;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK) /* -2: no more packets in the file */
		return 0;
	{
		const char *msg = pcap_geterr(cap->pcap);
		if (strstr(msg, "truncated") != NULL)
			return tt_set_err(errbuf, TT_ERR_TRUNCATED,
			                  "%s: file truncated in the middle of a packet record", cap->name);
		return tt_set_err(errbuf, TT_ERR_PCAP, "%s: %s", cap->name, msg);
	}
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

void tt_capture_free(struct tt_capture **capp)
{
	if (capp == NULL || *capp == NULL)
		return;
	pcap_close((*capp)->pcap); /* closes the FILE too (stdin included) */
	free(*capp);
	*capp = NULL;
}
