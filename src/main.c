/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - option parsing and wiring: capture -> decode -> track -> report.
 * The only place that prints errors or exits.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcptrack/capture.h"
#include "tcptrack/decode.h"
#include "tcptrack/ladder.h"
#include "tcptrack/live.h"
#include "tcptrack/plot.h"
#include "tcptrack/report.h"
#include "tcptrack/tracker.h"
#include "tt_config.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define DEFAULT_MAX_FLOWS 1048576u
#define DEFAULT_MSL_SECONDS 30
#define DEFAULT_CLOSE_WAIT_ALERT_SECONDS 60
#define DEFAULT_SNAPLEN 262144      /* like tcpdump: whole frames */
#define DEFAULT_LINGER_SECONDS 10
#define DEFAULT_USER "tcpdump"      /* like Debian's tcpdump -Z default */
#define CAPTURE_BUFFER (8 * 1024 * 1024)

struct options {
	const char *read_file;
	const char *output;
	enum tt_report_format format;
	uint64_t count;
	uint32_t max_flows;
	tt_time_ns msl;
	tt_time_ns close_wait_alert;
	char *filter;
	const char *at_spec;        /* --at as given */
	tt_time_ns at;              /* absolute, or from the first packet if at_relative */
	bool at_set, at_relative;
	/* live monitor */
	const char *iface;          /* -i */
	bool list_devices;          /* -D */
	bool no_promisc;            /* -p */
	int snaplen;                /* -s */
	const char *user;           /* -Z */
	bool live;                  /* -r FILE --live: replay through the monitor */
	const char *speed_str;      /* --speed */
	double speed;
	bool max_speed;
	bool no_ui;                 /* --no-ui: event lines */
	tt_time_ns linger;          /* --linger */
	/* connection stories */
	bool ladder, timeline;      /* --ladder, --timeline */
	int plot;                   /* --plot KIND, or -1 */
	const char *conn;           /* --conn SEL */
	struct tt_selector sel;
	bool absolute, full, ascii; /* -S, --full, --ascii */
	bool format_set;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: tcptrack -r FILE [options] [filter expression]\n"
	        "       tcptrack -i IFACE [options] [filter expression]   (live monitor)\n"
	        "       tcptrack -r FILE --ladder|--timeline|--plot KIND --conn SEL [options]\n"
	        "Reconstruct every TCP connection in a capture: both endpoints' RFC 793 states,\n"
	        "sequence/ack accounting, windows, and Wireshark's TCP analysis per direction\n"
	        "(retransmissions, out-of-order, dup ACKs, zero windows, keep-alives...) with\n"
	        "round-trip times; the text report adds a health line under each connection.\n"
	        "\n"
	        "Input:\n"
	        "  -r FILE            read packets from FILE (pcap or pcapng; - for stdin)\n"
	        "  -c N               stop after N packets (those passing the filter)\n"
	        "  -n                 do not resolve names (tcptrack never does; for tcpdump habits)\n"
	        "  [expression]       a BPF filter as in tcpdump, e.g. 'tcp port 443'\n"
	        "\n"
	        "Live monitor (a full-screen view; h in it lists the keys):\n"
	        "  -i IFACE           capture on IFACE (any: all); needs root or CAP_NET_RAW\n"
	        "  -D                 list the interfaces\n"
	        "  -p                 no promiscuous mode\n"
	        "  -s SNAPLEN         bytes kept per frame (default 262144)\n"
	        "  -Z USER            once capturing, run as USER (default tcpdump, else nobody;\n"
	        "                     root keeps root)\n"
	        "      --live         with -r: replay FILE through the monitor at capture speed\n"
	        "      --speed X|max  replay X times faster (default 1), or as fast as read\n"
	        "      --no-ui        one line per event (opened, state, anomaly, closed) instead\n"
	        "                     of the view; -F json for JSON Lines; the default when\n"
	        "                     standard output is not a terminal\n"
	        "      --linger SECS  keep connections that are over listed SECS (default %d)\n"
	        "\n"
	        "Output:\n"
	        "  -F, --format FMT   text (default), json (JSON Lines) or csv\n"
	        "  -o, --output FILE  write the report to FILE (complete or not at all)\n"
	        "\n"
	        "Tracking:\n"
	        "      --max-flows N  connections tracked at once (default %u), 0.5 KB\n"
	        "                     each (up to 1.7 KB with data in flight, gaps, SACK\n"
	        "                     or many conditions), 120 B in TIME_WAIT; when full, one in\n"
	        "                     TIME_WAIT is forgotten, else an unanswered or the least\n"
	        "                     recently active one is evicted (summary: limits hit)\n"
	        "      --msl SECONDS  maximum segment lifetime; TIME_WAIT lasts 2*MSL (default %d)\n"
	        "\n"
	        "Diagnoses (in the text and JSON summary):\n"
	        "      --close-wait-alert SECONDS\n"
	        "                     list the endpoints in CLOSE_WAIT longer than this\n"
	        "                     (default %d); the summary also gives half-closed\n"
	        "                     connections, TIME_WAIT peaks per server and per client,\n"
	        "                     failed openings by kind and target, and resets by side\n"
	        "\n"
	        "Connection stories (--conn SEL: an id, an endpoint 10.0.0.1:49816 or\n"
	        "[fd00::1]:443 of the client or the server, or a filter 'port 443'):\n"
	        "      --ladder       the ladder (sequence) diagram of the connection: one arrow\n"
	        "                     per segment labelled FLAGS seq(len) ack N win W <options>,\n"
	        "                     each endpoint's new state at its side, anomalies marked;\n"
	        "                     ordinary runs folded into '... N segments, B ...' rows\n"
	        "      --full         do not fold\n"
	        "  -S, --absolute     absolute sequence numbers (default relative, like tcpdump)\n"
	        "      --ascii        ASCII lines even where the locale is UTF-8\n"
	        "      --timeline     each endpoint's states, when entered, how long kept\n"
	        "      --plot KIND    an SVG picture to -o FILE.svg: ladder (arrows by real\n"
	        "                     timing), tseq (time-sequence graph), window (advertised\n"
	        "                     window and bytes in flight), rtt (RTT samples)\n"
	        "\n"
	        "Socket table (ss from a pcap):\n"
	        "      --at TIME      instead of the report, the sockets both hosts had at TIME,\n"
	        "                     as ss -tan shows them, then counts per state; TIME is\n"
	        "                     ISO 8601 (2024-05-01T12:00:03.25Z), epoch seconds, or\n"
	        "                     +SECONDS from the first packet\n"
	        "\n"
	        "  -h, --help         this help\n"
	        "  -V, --version      print the version\n"
	        "\n"
	        "Exit status: 0 success, 1 runtime error (bad or truncated file, no such\n"
	        "interface, permission denied, write error),\n"
	        "2 usage error.  See tcptrack(1).\n",
	        DEFAULT_LINGER_SECONDS, DEFAULT_MAX_FLOWS, DEFAULT_MSL_SECONDS,
	        DEFAULT_CLOSE_WAIT_ALERT_SECONDS);
}

static int usage_error(const char *fmt, ...) TT_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcptrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tcptrack --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* Seconds with up to 9 decimals, without locale-dependent strtod. */
static bool parse_seconds(const char *s, tt_time_ns *out)
{
	int64_t sec = 0, frac = 0, scale = TT_NS_PER_SEC;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sec > INT64_MAX / TT_NS_PER_SEC / 10)
			return false;
		sec = sec * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return false; /* more than nine decimals */
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p != '\0')
		return false;
	*out = sec * TT_NS_PER_SEC + frac;
	return true;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

enum {
	OPT_MAX_FLOWS = 256, OPT_MSL, OPT_AT, OPT_LIVE, OPT_SPEED, OPT_NO_UI, OPT_LINGER,
	OPT_CLOSE_WAIT_ALERT, OPT_LADDER, OPT_TIMELINE, OPT_PLOT, OPT_CONN, OPT_FULL, OPT_ASCII
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		{"output", required_argument, NULL, 'o'},
		{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
		{"msl", required_argument, NULL, OPT_MSL},
		{"at", required_argument, NULL, OPT_AT},
		{"live", no_argument, NULL, OPT_LIVE},
		{"speed", required_argument, NULL, OPT_SPEED},
		{"no-ui", no_argument, NULL, OPT_NO_UI},
		{"linger", required_argument, NULL, OPT_LINGER},
		{"interface", required_argument, NULL, 'i'},
		{"close-wait-alert", required_argument, NULL, OPT_CLOSE_WAIT_ALERT},
		{"ladder", no_argument, NULL, OPT_LADDER},
		{"timeline", no_argument, NULL, OPT_TIMELINE},
		{"plot", required_argument, NULL, OPT_PLOT},
		{"conn", required_argument, NULL, OPT_CONN},
		{"full", no_argument, NULL, OPT_FULL},
		{"ascii", no_argument, NULL, OPT_ASCII},
		{"absolute", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->max_flows = DEFAULT_MAX_FLOWS;
	o->msl = (tt_time_ns)DEFAULT_MSL_SECONDS * TT_NS_PER_SEC;
	o->snaplen = DEFAULT_SNAPLEN;
	o->speed = 1.0;
	o->linger = (tt_time_ns)DEFAULT_LINGER_SECONDS * TT_NS_PER_SEC;
	o->close_wait_alert = (tt_time_ns)DEFAULT_CLOSE_WAIT_ALERT_SECONDS * TT_NS_PER_SEC;
	o->plot = -1;
	opterr = 0; /* our own messages, named "tcptrack:" */
	while ((ch = getopt_long(argc, argv, "+:r:c:nF:o:i:Dps:Z:ShV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o->read_file = optarg;
			break;
		case 'c':
			if (!parse_u64(optarg, &v) || v == 0)
				return usage_error("-c: '%s' is not a positive number of packets", optarg);
			o->count = v;
			break;
		case 'n':
			break;
		case 'F': {
			int f = tt_report_format_from_name(optarg);
			if (f < 0)
				return usage_error("--format: '%s' is not one of text, json, csv", optarg);
			o->format = (enum tt_report_format)f;
			o->format_set = true;
			break;
		}
		case 'o':
			o->output = optarg;
			break;
		case OPT_MAX_FLOWS:
			if (!parse_u64(optarg, &v) || v == 0 || v > (1u << 30))
				return usage_error("--max-flows: '%s' is not a number from 1 to 1073741824",
				                   optarg);
			o->max_flows = (uint32_t)v;
			break;
		case OPT_MSL:
			if (!parse_seconds(optarg, &o->msl) || o->msl > (tt_time_ns)86400 * TT_NS_PER_SEC)
				return usage_error("--msl: '%s' is not a number of seconds (0 to 86400)",
				                   optarg);
			break;
		case OPT_CLOSE_WAIT_ALERT:
			if (!parse_seconds(optarg, &o->close_wait_alert))
				return usage_error("--close-wait-alert: '%s' is not a number of seconds",
				                   optarg);
			break;
		case OPT_AT:
			if (tt_parse_time_spec(optarg, &o->at, &o->at_relative) != TT_OK)
				return usage_error("--at: '%s' is not a time (2024-05-01T12:00:03.25Z, "
				                   "epoch seconds, or +SECONDS from the first packet)",
				                   optarg);
			o->at_spec = optarg;
			o->at_set = true;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'D':
			o->list_devices = true;
			break;
		case 'p':
			o->no_promisc = true;
			break;
		case 's':
			if (!parse_u64(optarg, &v) || v > 262144)
				return usage_error("-s: '%s' is not a snapshot length (0 to 262144; 0 "
				                   "means 262144)", optarg);
			o->snaplen = v == 0 ? DEFAULT_SNAPLEN : (int)v;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_LIVE:
			o->live = true;
			break;
		case OPT_SPEED: {
			tt_time_ns x;
			o->speed_str = optarg;
			if (strcmp(optarg, "max") == 0) {
				o->max_speed = true;
			} else if (!parse_seconds(optarg, &x) || x <= 0 ||
			           x > (tt_time_ns)1000000 * TT_NS_PER_SEC) {
				return usage_error("--speed: '%s' is not a positive factor or 'max'",
				                   optarg);
			} else {
				o->speed = (double)x / (double)TT_NS_PER_SEC;
			}
			break;
		}
		case OPT_NO_UI:
			o->no_ui = true;
			break;
		case OPT_LINGER:
			if (!parse_seconds(optarg, &o->linger) ||
			    o->linger > (tt_time_ns)86400 * TT_NS_PER_SEC)
				return usage_error("--linger: '%s' is not a number of seconds (0 to 86400)",
				                   optarg);
			break;
		case OPT_LADDER:
			o->ladder = true;
			break;
		case OPT_TIMELINE:
			o->timeline = true;
			break;
		case OPT_PLOT:
			o->plot = tt_plot_kind_from_name(optarg);
			if (o->plot < 0)
				return usage_error("--plot: '%s' is not one of ladder, tseq, window, rtt",
				                   optarg);
			break;
		case OPT_CONN: {
			char err[TT_ERRBUF_SIZE];
			if (tt_selector_parse(&o->sel, optarg, err) != TT_OK)
				return usage_error("--conn: %s", err);
			o->conn = optarg;
			break;
		}
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_ASCII:
			o->ascii = true;
			break;
		case 'S':
			o->absolute = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tcptrack %s\n", TT_VERSION);
			exit(0);
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->list_devices)
		return 0;
	if (o->read_file == NULL && o->iface == NULL)
		return usage_error("%s", "no input: give a capture file with -r FILE or an "
		                         "interface with -i IFACE");
	if (o->read_file != NULL && o->iface != NULL)
		return usage_error("%s", "-r and -i: read a file or capture live, not both");
	if (o->iface != NULL && (o->at_set || o->live || o->output != NULL))
		return usage_error("%s", "-i: --at, --live and -o work on a file (-r)");
	if ((o->speed_str != NULL) && !o->live)
		return usage_error("%s", "--speed: only with -r FILE --live");
	if (o->live && o->at_set)
		return usage_error("%s", "--live and --at: choose one");
	if (o->ladder || o->timeline || o->plot >= 0) {
		if (o->plot >= 0 && (o->ladder || o->timeline))
			return usage_error("%s", "--plot writes a picture: not with --ladder or --timeline");
		if (o->conn == NULL)
			return usage_error("%s", "--ladder, --timeline and --plot need --conn SEL (a "
			                         "connection id, an endpoint or a filter)");
		if (o->read_file == NULL || o->live || o->no_ui || o->at_set)
			return usage_error("%s", "--ladder, --timeline and --plot read a file (-r FILE), "
			                         "without --live, --no-ui or --at");
		if (o->format_set && o->format != TT_FMT_TEXT)
			return usage_error("%s", "--ladder, --timeline and --plot: -F does not apply");
	} else if (o->conn != NULL || o->full || o->ascii || o->absolute) {
		return usage_error("%s", "--conn, --full, --ascii and -S go with --ladder, --timeline "
		                         "or --plot");
	}
	if (optind < argc) {
		o->filter = join_args(argc - optind, argv + optind);
		if (o->filter == NULL) {
			fprintf(stderr, "tcptrack: out of memory\n");
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

struct run {
	struct tt_report report;
	struct tt_at *at;           /* --at: the socket table being built, or NULL */
	/* The read loop's state, for feed_frame() and feed_ahead(). */
	struct tt_tracker *tr;
	int dlt;
	uint64_t frames;            /* frames read (counted by the read loop) */
	bool at_first;              /* --at +SECONDS, before the first frame: set from it */
	tt_time_ns at_offset;
	struct tt_bpf *bpf;         /* --conn FILTER: matched per frame, or NULL */
	struct tt_stories *stories; /* --ladder, --timeline, --plot: or NULL */
	const struct options *o;
	FILE *out;
	struct tt_ladder_opts lo;
	uint64_t written;           /* stories written */
	uint64_t plotted_id;
};

/* One frame, decoded into the tracker's look-ahead (tt_tracker_ahead_push()):
 * the hot path, the read loop's callback unless feed_frame() has more to do. */
static void feed_ahead(void *user, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                       tt_time_ns ts)
{
	struct run *run = user;
	struct tt_packet *slot = tt_tracker_ahead_slot(run->tr);
	enum tt_decode_result r = tt_decode_track(run->dlt, data, caplen, wire_len, ts, slot);

	tt_tracker_ahead_push(run->tr, slot, r);
}

/* One frame, with --at +SECONDS still waiting for the first frame's time or
 * with --conn FILTER, whose frames are matched and fed one at a time (no
 * look-ahead: each match is taken as its frame is fed). */
static void feed_frame(void *user, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                       tt_time_ns ts)
{
	struct run *run = user;
	struct tt_rawpkt raw = {.ts = ts, .caplen = caplen, .wire_len = wire_len, .data = data};
	struct tt_packet pkt;
	enum tt_decode_result r;

	if (run->at_first) {
		run->at->at = ts + run->at_offset;
		run->at_first = false;
	}
	if (run->bpf == NULL) {
		feed_ahead(user, data, caplen, wire_len, ts);
		return;
	}
	run->stories->filter_hit = tt_bpf_match(run->bpf, &raw);
	r = tt_decode(run->dlt, data, caplen, wire_len, ts, &pkt);
	tt_tracker_feed(run->tr, r, r == TT_DEC_OK ? &pkt : NULL, ts);
}

/* A selected connection is complete: its ladder, timeline or picture. */
static void on_story(const struct tt_story *s, void *user)
{
	struct run *run = user;

	if (run->o->plot >= 0) {
		if (run->written++ == 0) {
			tt_plot_svg(run->out, s, (enum tt_plot_kind)run->o->plot, run->o->absolute);
			run->plotted_id = s->id;
		}
		return;
	}
	if (run->written++ > 0)
		fputc('\n', run->out);
	if (run->o->ladder)
		tt_ladder_write(run->out, s, &run->lo);
	if (run->o->ladder && run->o->timeline)
		fputc('\n', run->out);
	if (run->o->timeline)
		tt_timeline_write(run->out, s);
}

/* Box-drawing only where the locale's character set is UTF-8. */
static bool locale_is_utf8(void)
{
	const char *cs;

	if (setlocale(LC_CTYPE, "") == NULL)
		return false;
	cs = nl_langinfo(CODESET);
	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* The events --at takes: listeners and records.  (Out of line: inlined, its
 * registers were saved and restored for every event.) */
static __attribute__((noinline)) void at_event(struct tt_at *at, const struct tt_event *ev)
{
	/* A SYN,ACK proves its sender was listening on that port (dated from
	 * the first SYN it answered). */
	if (ev->type == TT_EVT_STATE && ev->to == TT_TCP_LISTEN && ev->ts <= at->at)
		tt_at_add_listener(at, ev->conn->ip_version, tt_conn_addr(ev->conn, ev->endpoint),
		                   tt_conn_port(ev->conn, ev->endpoint), ev->ts);
	else if (ev->type == TT_EVT_CONN_END)
		tt_at_add_conn(at, ev->conn);
}

/* The records of a report, handed over in batches: counted and written. */
static void report_records(const struct tt_conn *const *recs, size_t n, void *user)
{
	struct run *run = user;

	for (size_t i = 0; i < n; i++)
		tt_report_conn(&run->report, recs[i]);
}

static void on_event(const struct tt_event *ev, void *user)
{
	struct run *run = user;

	if (run->stories != NULL)
		tt_stories_event(run->stories, ev);
	else if (run->at != NULL)
		at_event(run->at, ev);
	else /* (the records come to report_records()) */
		tt_report_event(&run->report, ev);
}

/*
 * The report goes to stdout; or to a temporary file in the same directory,
 * renamed over --output at the end so that a report is complete or absent;
 * or, when --output names an existing non-regular file (a FIFO, a device),
 * straight into it.  tmp is left empty unless a temporary file is used.
 */
/* The report's stdio buffer: static, as stdout may still use it at exit(). */
static char out_iobuf[256 * 1024];

static FILE *open_output(const char *path, char *tmp, size_t tmpsize)
{
	struct stat st;
	mode_t mask;
	int fd;
	FILE *f;

	tmp[0] = '\0';
	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return fopen(path, "w");
	snprintf(tmp, tmpsize, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		tmp[0] = '\0';
		return NULL;
	}
	/* mkstemp() makes it 0600: give it the mode a new file would get. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, (mode_t)0666 & ~mask) != 0 || (f = fdopen(fd, "w")) == NULL) {
		int e = errno;
		close(fd);
		unlink(tmp);
		tmp[0] = '\0';
		errno = e;
		return NULL;
	}
	return f;
}

/* tcpdump's default for -Z: its own user, if the system has it. */
static const char *default_user(void)
{
	return getpwnam(DEFAULT_USER) != NULL ? DEFAULT_USER : "nobody";
}

static void print_device(int index, const char *name, const char *description, unsigned flags,
                         void *user)
{
	(void)user;
	printf("%d.%s", index, name);
	if (description != NULL)
		printf(" (%s)", description);
	if (flags & (TT_DEV_UP | TT_DEV_RUNNING | TT_DEV_LOOPBACK))
		printf(" [%s%s%s]", flags & TT_DEV_UP ? "Up" : "",
		       flags & TT_DEV_RUNNING ? (flags & TT_DEV_UP ? ", Running" : "Running") : "",
		       flags & TT_DEV_LOOPBACK ? ", Loopback" : "");
	putchar('\n');
}

/*
 * The monitor: -i IFACE, or -r FILE with --live (paced replay) or --no-ui
 * (event lines as fast as the file reads).  The ncurses view when standard
 * output is a terminal and --no-ui is not given; otherwise event lines.
 */
static int run_live(struct options *o)
{
	struct tt_capture *cap = NULL;
	struct tt_live_config lc;
	struct tt_live_result res;
	char errbuf[TT_ERRBUF_SIZE] = "";
	int rc;

	if (o->iface != NULL) {
		struct tt_live_opts lo = {.iface = o->iface, .snaplen = o->snaplen,
		                          .promisc = !o->no_promisc, .buffer_bytes = CAPTURE_BUFFER};
		rc = tt_capture_open_live(&cap, &lo, errbuf);
	} else {
		rc = tt_capture_open_file(&cap, o->read_file, errbuf);
	}
	if (rc != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		return EXIT_RUNTIME;
	}
	/* The capture is open: root is no longer needed. */
	if (tt_drop_privileges(o->user != NULL ? o->user : default_user(), errbuf) != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		tt_capture_free(&cap);
		return EXIT_RUNTIME;
	}
	if (!tt_decode_link_supported(tt_capture_datalink(cap))) {
		fprintf(stderr, "tcptrack: %s: link type %s (%d) is not supported\n",
		        tt_capture_name(cap), tt_capture_datalink_name(cap), tt_capture_datalink(cap));
		tt_capture_free(&cap);
		return EXIT_RUNTIME;
	}
	if (o->filter != NULL && tt_capture_set_filter(cap, o->filter, errbuf) != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		tt_capture_free(&cap);
		return EXIT_USAGE;
	}
	memset(&lc, 0, sizeof(lc));
	lc.max_flows = o->max_flows;
	lc.msl = o->msl;
	lc.source = tt_capture_name(cap);
	lc.filter = o->filter;
	lc.replay = o->iface == NULL;
	lc.paced = o->live && !o->max_speed;
	lc.speed = o->speed;
	lc.speed_str = o->max_speed ? "max" : o->speed_str != NULL ? o->speed_str : "1";
	lc.ui = !o->no_ui && isatty(STDOUT_FILENO) && (o->iface != NULL || o->live);
	/* A replay at full speed into a file or a pipe: event lines in 256 KiB
	 * writes (live and paced ones are flushed line by line). */
	if (lc.replay && !lc.paced && !lc.ui && !isatty(STDOUT_FILENO))
		(void)setvbuf(stdout, out_iobuf, _IOFBF, sizeof(out_iobuf));
	lc.format = o->format == TT_FMT_JSON ? TT_FMT_JSON : TT_FMT_TEXT;
	lc.out = stdout;
	lc.linger = o->linger;
	lc.limit_packets = o->count;
	rc = tt_live_run(cap, &lc, &res, errbuf);
	if (rc != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
	} else if (o->iface != NULL) {
		/* As tcpdump does on leaving. */
		fprintf(stderr, "%" PRIu64 " packets captured", res.packets);
		if (res.have_counts)
			fprintf(stderr, ", %" PRIu64 " dropped by kernel, %" PRIu64
			        " dropped by interface", res.counts.dropped, res.counts.if_dropped);
		fputc('\n', stderr);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tcptrack: standard output: write error: %s\n", strerror(errno));
		rc = TT_ERR_IO;
	}
	tt_capture_free(&cap);
	return rc == TT_OK ? 0 : EXIT_RUNTIME;
}

int main(int argc, char **argv)
{
	struct options o;
	struct tt_capture *cap = NULL;
	struct tt_tracker *tr = NULL;
	struct tt_tracker_config cfg;
	struct tt_input_info in;
	struct run run;
	struct tt_at at;
	struct tt_stories stories;
	struct tt_bpf *bpf = NULL;
	char errbuf[TT_ERRBUF_SIZE] = "";
	char tmp[PATH_MAX + 16] = "";
	FILE *out = NULL;
	int rc, status = 0;

	memset(&in, 0, sizeof(in));
	run.at = NULL; /* tested after `done:`, which early errors reach */
	rc = parse_options(argc, argv, &o);
	if (rc != 0)
		return rc;
	if (o.list_devices) {
		rc = tt_capture_list_devices(print_device, NULL, errbuf);
		if (rc < 0) {
			fprintf(stderr, "tcptrack: %s\n", errbuf);
			return EXIT_RUNTIME;
		}
		if (rc == 0)
			fprintf(stderr, "tcptrack: no interfaces to capture on (are you root?)\n");
		return rc > 0 ? 0 : EXIT_RUNTIME;
	}
	if (o.iface != NULL || o.live || o.no_ui) {
		rc = run_live(&o);
		free(o.filter);
		return rc;
	}
	rc = tt_capture_open_file(&cap, o.read_file, errbuf);
	if (rc != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		free(o.filter);
		return EXIT_RUNTIME;
	}
	if (!tt_decode_link_supported(tt_capture_datalink(cap))) {
		fprintf(stderr, "tcptrack: %s: link type %s (%d) is not supported\n",
		        tt_capture_name(cap), tt_capture_datalink_name(cap), tt_capture_datalink(cap));
		status = EXIT_RUNTIME;
		goto done;
	}
	if (o.filter != NULL && tt_capture_set_filter(cap, o.filter, errbuf) != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		status = EXIT_USAGE;
		goto done;
	}
	out = open_output(o.output, tmp, sizeof(tmp));
	if (out == NULL) {
		fprintf(stderr, "tcptrack: %s: cannot create the report: %s\n", o.output,
		        strerror(errno));
		status = EXIT_RUNTIME;
		goto done;
	}
	/* A report into a file or a pipe goes out in 256 KiB writes, not stdio's 4 KiB. */
	if (!isatty(fileno(out)))
		(void)setvbuf(out, out_iobuf, _IOFBF, sizeof(out_iobuf));
	tt_report_init(&run.report, o.format, out);
	run.report.diag.close_wait_alert = o.close_wait_alert;
	run.at = NULL;
	run.stories = NULL;
	run.o = &o;
	run.out = out;
	run.written = 0;
	run.lo.absolute = o.absolute;
	run.lo.unicode = o.ladder && !o.ascii && locale_is_utf8(); /* (only the ladder draws) */
	if (o.conn != NULL) {
		struct tt_story_config sc = {.sel = o.sel, .full = o.full, .on_done = on_story,
		                             .user = &run};
		sc.rows = o.ladder || (o.plot >= 0 && tt_plot_needs_rows((enum tt_plot_kind)o.plot));
		sc.points = o.plot >= 0 && !sc.rows;
		if (o.sel.kind == TT_SEL_FILTER &&
		    tt_capture_compile(cap, o.conn, &bpf, errbuf) != TT_OK) {
			fprintf(stderr, "tcptrack: --conn: '%s' is not a connection id, an endpoint "
			        "(10.0.0.1:80, [fd00::1]:443) or a filter: %s\n", o.conn, errbuf);
			status = EXIT_USAGE;
			goto done;
		}
		tt_stories_init(&stories, &sc);
		run.stories = &stories;
	}
	if (o.at_set) {
		tt_at_init(&at, o.at);
		run.at = &at;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_flows = o.max_flows;
	cfg.msl = o.msl;
	cfg.on_event = on_event;
	cfg.user = &run;
	cfg.segments = run.stories != NULL;
	/* The report alone takes only what it counts; stories and --at, every event. */
	cfg.events = run.stories == NULL && run.at == NULL ? TT_EVENTS_REPORT : TT_EVENTS_ALL;
	cfg.on_records = run.stories == NULL && run.at == NULL ? report_records : NULL;
	if (tt_tracker_new(&tr, &cfg, errbuf) != TT_OK) {
		fprintf(stderr, "tcptrack: %s\n", errbuf);
		status = EXIT_RUNTIME;
		goto done;
	}
	/* The records of a report into a file or a pipe: built in one large
	 * buffer that goes straight to the descriptor (nothing else is written
	 * to the report's stream before its summary). */
	if (run.stories == NULL && run.at == NULL && !isatty(fileno(out)))
		tt_report_batch(&run.report);

	in.name = tt_capture_name(cap);
	in.link_name = tt_capture_datalink_name(cap);
	in.dlt = tt_capture_datalink(cap);
	in.limit_packets = o.count;
	run.tr = tr;
	run.frames = 0;
	run.dlt = in.dlt;
	run.at_first = run.at != NULL && o.at_relative;
	run.at_offset = o.at;
	run.bpf = bpf;
	for (;;) {
		int max = 4096;

		if (o.count > 0 && run.frames >= o.count) {
			/* Stopped by -c only if there was more to read. */
			struct tt_rawpkt raw;
			in.stopped_by_limit = tt_capture_next(cap, &raw, errbuf) == 1;
			break;
		}
		if (o.count > 0 && o.count - run.frames < (uint64_t)max)
			max = (int)(o.count - run.frames);
		/* (Once --at has its time, the frames of a report need only feed_ahead().) */
		rc = tt_capture_dispatch(cap, max, run.at_first || bpf != NULL ? feed_frame : feed_ahead,
		                         &run, errbuf);
		if (rc == 0)
			break;
		if (rc > 0)
			run.frames += (uint64_t)rc;
		if (rc < 0) {
			in.truncated = rc == TT_ERR_TRUNCATED;
			in.error = errbuf;
			/* A CSV file has no summary to say the input was cut short:
			 * rather than a partial file that looks complete, none. */
			fprintf(stderr, "tcptrack: %s%s\n", errbuf,
			        tmp[0] != '\0' && o.format == TT_FMT_CSV
			                ? " (the CSV report is not written: it could not say so)"
			                : "");
			status = EXIT_RUNTIME;
			break;
		}
	}
	tt_tracker_finish(tr); /* (after the frames waiting in the look-ahead) */
	if (run.stories != NULL) {
		tt_stories_finish(&stories, tt_tracker_stats(tr)->last_ts);
		if (stories.matched == 0 && status == 0) {
			fprintf(stderr, "tcptrack: --conn '%s': no connection matched\n", o.conn);
			status = EXIT_RUNTIME;
		}
		if (stories.oom) {
			fprintf(stderr, "tcptrack: out of memory: the %s is incomplete\n",
			        o.plot >= 0 ? "picture" : o.ladder ? "ladder" : "timeline");
			status = EXIT_RUNTIME;
		}
		if (stories.skipped > 0)
			fprintf(stderr, "tcptrack: --conn '%s': %" PRIu64 " connections matched; more "
			        "than %d at once are not shown\n", o.conn, stories.matched,
			        TT_STORY_CONNS_MAX);
		if (o.plot >= 0 && stories.matched > 1)
			fprintf(stderr, "tcptrack: --conn '%s': %" PRIu64 " connections matched; the "
			        "picture shows connection %" PRIu64 "\n", o.conn, stories.matched,
			        run.plotted_id);
		tt_stories_free(&stories);
		tt_report_free(&run.report);
	} else if (run.at != NULL) {
		/* ss from a pcap: every record was added as it was written. */
		tt_at_write(&at, o.format, out);
		if (at.oom) {
			fprintf(stderr, "tcptrack: out of memory: the socket table is incomplete\n");
			status = EXIT_RUNTIME;
		}
	} else {
		tt_report_finish(&run.report, tt_tracker_stats(tr), &in);
		tt_report_free(&run.report);
	}

	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "tcptrack: %s: write error: %s\n",
		        out == stdout ? "standard output" : o.output, strerror(errno));
		status = EXIT_RUNTIME;
	}
done:
	if (out != NULL && out != stdout) {
		bool written = fclose(out) == 0;
		if (!written && status == 0) {
			fprintf(stderr, "tcptrack: %s: write error: %s\n", o.output, strerror(errno));
			status = EXIT_RUNTIME;
		}
		if (tmp[0] != '\0') {
			/* Complete, or cut short and saying so (text, JSON). */
			bool keep = written && (status == 0 ||
			                        (in.error != NULL && o.format != TT_FMT_CSV));
			if (keep && rename(tmp, o.output) != 0) {
				fprintf(stderr, "tcptrack: %s: %s\n", o.output, strerror(errno));
				status = EXIT_RUNTIME;
				keep = false;
			}
			if (!keep)
				unlink(tmp);
		}
	}
	if (run.at != NULL)
		tt_at_free(&at);
	tt_bpf_free(&bpf);
	tt_tracker_free(&tr);
	tt_capture_free(&cap);
	free(o.filter);
	return status;
}
