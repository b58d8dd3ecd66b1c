/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkseeds - seeds for fuzz_decode from captures: every frame of each capture
 * becomes one input (link type byte, wire-minus-captured byte, the frame),
 * named OUTDIR/<capture base name>-<frame number>.
 *
 *   mkseeds OUTDIR CAPTURE...
 *
 * Frames whose bytes were already written (under any name) are skipped.
 * Exits 1 on a capture it cannot read or a file it cannot write.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/capture.h"

#define MAX_SEEN 4096

static uint64_t fnv1a(const uint8_t *p, size_t n, uint8_t link)
{
	uint64_t h = 1469598103934665603u ^ link;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

int main(int argc, char **argv)
{
	static uint64_t seen[MAX_SEEN];
	size_t n_seen = 0;
	char errbuf[TT_ERRBUF_SIZE];

	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUTDIR CAPTURE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		struct tt_capture *cap = NULL;
		struct tt_rawpkt raw;
		const char *base = strrchr(argv[i], '/') != NULL ? strrchr(argv[i], '/') + 1 : argv[i];
		unsigned long frame = 0;
		uint8_t link;

		if (tt_capture_open_file(&cap, argv[i], errbuf) != TT_OK) {
			fprintf(stderr, "mkseeds: %s\n", errbuf);
			return 1;
		}
		link = fuzz_link_to_byte(tt_capture_datalink(cap));
		while (tt_capture_next(cap, &raw, errbuf) == 1) {
			uint64_t h = fnv1a(raw.data, raw.caplen, link);
			uint8_t hdr[2] = {link, (uint8_t)(raw.wire_len - raw.caplen > 255
			                                      ? 255 : raw.wire_len - raw.caplen)};
			char path[4096];
			bool dup = false;
			FILE *f;

			frame++;
			for (size_t k = 0; k < n_seen && !dup; k++)
				dup = seen[k] == h;
			if (dup || n_seen == MAX_SEEN)
				continue;
			seen[n_seen++] = h;
			snprintf(path, sizeof(path), "%s/%s-%lu", argv[1], base, frame);
			f = fopen(path, "wb");
			if (f == NULL || fwrite(hdr, 1, 2, f) != 2 ||
			    fwrite(raw.data, 1, raw.caplen, f) != raw.caplen || fclose(f) != 0) {
				fprintf(stderr, "mkseeds: %s: cannot write\n", path);
				tt_capture_free(&cap);
				return 1;
			}
		}
		tt_capture_free(&cap);
	}
	return 0;
}
