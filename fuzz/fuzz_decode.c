/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_decode.c - one frame of any link type through tt_decode().
 *
 * Input: byte 0 picks the link type (fuzz_link_from_byte(): one of those
 * tcptrack decodes, or the byte itself as a DLT), byte 1 is how many bytes
 * the frame had on the wire beyond those captured, the rest is the frame.
 * Besides the sanitizers, the result must be a known reason, a decoded
 * segment must point inside the frame and be self-consistent, and the fast
 * path must agree with the general one (tt_decode_general()) byte for byte,
 * and the look-ahead's tt_decode_track() with tt_decode() but for the fields
 * it may leave 0.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "tcptrack/decode.h"

/* The fields tt_decode_track() may leave 0 (decode.h), cleared. */
static void clear_untracked(struct tt_packet *x)
{
	x->ttl = x->hdr_len = 0;
	x->checksum = x->urp = 0;
	x->payload_caplen = 0;
	x->payload = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_packet pkt, gen, trk;
	enum tt_decode_result r, rg, rt;
	uint8_t *frame;
	uint32_t caplen, wire_len;
	int dlt;

	if (size < 2 || size > 65535 + 2)
		return 0;
	dlt = fuzz_link_from_byte(data[0]);
	caplen = (uint32_t)(size - 2);
	wire_len = caplen + data[1];
	/* A copy of exactly caplen bytes: any read past the capture is an ASan report. */
	frame = malloc(caplen > 0 ? caplen : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 2, caplen);
	memset(&pkt, 0xa5, sizeof(pkt));
	r = tt_decode(dlt, frame, caplen, wire_len, 1700000000 * TT_NS_PER_SEC, &pkt);

	rg = tt_decode_general(dlt, frame, caplen, wire_len, 1700000000 * TT_NS_PER_SEC, &gen);
	FUZZ_CHECK(r == rg);
	FUZZ_CHECK(r != TT_DEC_OK || memcmp(&pkt, &gen, sizeof(pkt)) == 0);
	memset(&trk, 0x5a, sizeof(trk)); /* (a stale look-ahead slot) */
	rt = tt_decode_track(dlt, frame, caplen, wire_len, 1700000000 * TT_NS_PER_SEC, &trk);
	FUZZ_CHECK(rt == r);
	if (r == TT_DEC_OK) {
		FUZZ_CHECK(trk.payload == NULL || trk.payload == pkt.payload);
		clear_untracked(&trk);
		clear_untracked(&gen); /* (pkt is checked below) */
		FUZZ_CHECK(memcmp(&trk, &gen, sizeof(trk)) == 0);
	}
	FUZZ_CHECK((unsigned)r < TT_DEC_NRESULTS);
	FUZZ_CHECK(tt_decode_result_name(r) != NULL);
	FUZZ_CHECK(tt_decode_link_supported(dlt) || r == TT_DEC_UNSUPPORTED_LINK);
	if (r == TT_DEC_OK) {
		FUZZ_CHECK(pkt.ip_version == 4 || pkt.ip_version == 6);
		FUZZ_CHECK(pkt.opts.n_sack <= TT_MAX_SACK_BLOCKS);
		FUZZ_CHECK(pkt.payload_caplen <= caplen);
		if (!pkt.is_icmp_error) {
			FUZZ_CHECK(pkt.hdr_len >= 20 && pkt.hdr_len <= 60 && pkt.hdr_len % 4 == 0);
			FUZZ_CHECK(pkt.payload_caplen <= pkt.payload_len);
		}
		if (pkt.payload_caplen > 0) {
			FUZZ_CHECK(pkt.payload >= frame);
			FUZZ_CHECK(pkt.payload + pkt.payload_caplen <= frame + caplen);
		}
	}
	free(frame);
	return 0;
}
