/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * plot.h - pictures of one connection's story as SVG (plot_svg.c): the
 * ladder drawn with slanted arrows by real timing, the time-sequence
 * ("Stevens"/tcptrace) graph, the advertised window and bytes in flight
 * over time, and the RTT samples over time.  Axes are labelled with units;
 * every picture has a legend, and says when its samples were decimated.
 */
#ifndef TCPTRACK_PLOT_H
#define TCPTRACK_PLOT_H

#include <stdio.h>

#include "tcptrack/story.h"

enum tt_plot_kind { TT_PLOT_LADDER = 0, TT_PLOT_TSEQ, TT_PLOT_WINDOW, TT_PLOT_RTT };

/** @return the kind named "ladder", "tseq", "window" or "rtt"; -1 if unknown. */
int tt_plot_kind_from_name(const char *name);

/** @return whether the kind draws ladder rows (else plot samples). */
bool tt_plot_needs_rows(enum tt_plot_kind k);

/**
 * Write the picture of s as a standalone SVG 1.1 document.
 * @param absolute label sequence numbers absolutely (the ladder's labels)
 */
void tt_plot_svg(FILE *f, const struct tt_story *s, enum tt_plot_kind k, bool absolute);

#endif /* TCPTRACK_PLOT_H */
