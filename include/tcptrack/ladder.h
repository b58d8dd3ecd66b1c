/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ladder.h - a connection's story as text: the ladder (sequence) diagram of
 * the seeds' figures (report_ladder.c) and each endpoint's state timeline
 * (report_timeline.c).  Both read a struct tt_story, never packets.
 */
#ifndef TCPTRACK_LADDER_H
#define TCPTRACK_LADDER_H

#include <stdio.h>

#include "tcptrack/story.h"

struct tt_ladder_opts {
	bool absolute;              /* -S: absolute sequence numbers (default relative) */
	bool unicode;               /* box-drawing and arrows (UTF-8), else ASCII */
};

/**
 * Write the ladder of s: a header naming client (left) and server (right)
 * with their states before the first segment, one row per kept segment
 * (time since the connection's first packet, the state each endpoint
 * entered at its side, the arrow labelled `FLAGS seq(len) ack N win W
 * <options>`, anomalies), folded runs as "... N segments, B ..." rows, and
 * an end line.
 */
void tt_ladder_write(FILE *f, const struct tt_story *s, const struct tt_ladder_opts *o);

/**
 * Write both endpoints' state transitions: when each state was entered
 * (since the connection's first packet) and how long it lasted; the last
 * lasts until the record's end.
 */
void tt_timeline_write(FILE *f, const struct tt_story *s);

/** A duration in seconds with microseconds: "0.000250", "-1.500000". */
void tt_format_secs(char *buf, size_t size, tt_time_ns d);

/** "1.7 MB", "20 bytes": a byte count in decimal units. */
void tt_format_bytes(char *buf, size_t size, uint64_t bytes);

/** "1 204": a count with its thousands separated by spaces. */
void tt_format_count(char *buf, size_t size, uint64_t n);

#endif /* TCPTRACK_LADDER_H */
