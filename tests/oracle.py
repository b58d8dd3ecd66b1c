#!/usr/bin/env python3
"""oracle.py - conformance of tcptrack's per-direction counters with tshark and the kernel.

Usage:
    oracle.py TCPTRACK PCAPS_DIR [--baseline FILE] [--update-baseline]

PCAPS_DIR is the shared capture folder (<source_root>/../shared/pcaps) with
    public/NAME.pcap[ng] + public/NAME.oracle.json   tshark's view of every TCP stream
    real/NAME.pcap       + real/NAME.truth.json      generated traffic with the kernel's counters
If PCAPS_DIR does not exist the test is skipped (exit 77).

tcptrack runs once per capture (-n -F json).  For the public captures, each tshark stream
is matched to the tcptrack records of the same 4-tuple (either orientation) whose
[first,last] overlaps the stream's [first_ts,last_ts] (1e-6 s slack); a record goes to at
most one stream (greatest overlap, then the earliest stream) and the matched records are
summed per direction.  A stream with no record is "not reported".  For each direction of
each reported stream a set of counters is compared; the table gives, per counter, the
directions where tshark and tcptrack agree exactly.  Counters marked "info" have no target
(tshark is known to be wrong or to define them differently) but are still guarded by the
baseline.  For the real captures the kernel's count of retransmitted segments is compared
with the sum of tcptrack's "retransmissions" over all records of the capture.

The test fails (exit 1) if any figure -- identical directions per counter, streams
reported, real captures equal -- falls below tests/oracle_baseline.json (or --baseline).

    --update-baseline   rewrite the baseline file with the figures of this run (do it
                        after an improvement, review the diff, commit it).  From the
                        source root:
                          tests/oracle.py build-oracle/tcptrack ../shared/pcaps --update-baseline

Run as a test:  meson test -C BUILD --suite oracle -v
Python 3 standard library only.
"""

import argparse
import glob
import ipaddress
import json
import os
import subprocess
import sys

EPS = 1e-6
DIRS = (("a_to_b", "a>b"), ("b_to_a", "b>a"))


def an(key):
    return lambda d: d["analysis"][key]


def ours(*keys):
    """Sum of tcptrack direction fields; None if any is absent (older binary)."""
    def get(d):
        total = 0
        for k in keys:
            v = d.get(k)
            if v is None:
                return None
            total += v
        return total
    return get


# (name, tshark(dir) -> int, tcptrack(dir) -> int|None, target?)
COUNTERS = [
    ("packets", lambda d: d["packets"], ours("packets"), True),
    ("payload_bytes", lambda d: d["payload_bytes"], ours("payload_bytes"), True),
    ("syn", lambda d: d["syn"] + d["syn_ack"], ours("syn"), True),
    ("fin", lambda d: d["fin"], ours("fin"), True),
    ("rst", lambda d: d["rst"], ours("rst"), True),
    # tshark and tcptrack split "retransmission" / "out-of-order" differently (tshark
    # calls a fast retransmission sent within an RTT of the original out-of-order);
    # the sum is comparable.  tshark's fast/spurious also carry "retransmission".
    ("retx_ooo", lambda d: d["analysis"]["retransmission"] + d["analysis"]["out_of_order"],
     ours("retransmissions", "out_of_order"), True),
    ("dup_acks", an("duplicate_ack"), ours("dup_acks"), True),
    ("zero_windows", an("zero_window"), ours("zero_windows"), True),
    ("window_updates", an("window_update"), ours("window_updates"), True),
    # tshark cannot tell a Linux zero-window probe (keep-alive shaped: one old byte or
    # none) from a keep-alive.
    ("keepalives", lambda d: d["analysis"]["keep_alive"] + d["analysis"]["zero_window_probe"],
     ours("keepalives", "zero_window_probes"), True),
    ("fast_retransmissions", an("fast_retransmission"), ours("fast_retransmissions"), False),
    ("spurious_retransmissions", an("spurious_retransmission"),
     ours("spurious_retransmissions"), False),
    ("lost_segments", an("lost_segment"), ours("lost_segments"), False),
    ("acked_unseen", an("ack_lost_segment"), ours("acked_unseen"), False),
    ("window_full", an("window_full"), ours("window_full"), False),
    ("keepalive_acks", an("keep_alive_ack"), ours("keepalive_acks"), False),
    ("zero_window_probe_acks", an("zero_window_probe_ack"), ours("zero_window_probe_acks"),
     False),
]


def norm_addr(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def parse_endpoint(s):
    """'1.2.3.4:80' or '[fd00::1]:443' -> (addr, port)."""
    if s.startswith("["):
        addr, _, port = s[1:].partition("]:")
    else:
        addr, _, port = s.rpartition(":")
    return norm_addr(addr), int(port)


def run_tcptrack(binary, pcap):
    """Return (conn records, note or None)."""
    try:
        p = subprocess.run([binary, "-n", "-r", pcap, "-F", "json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [], "cannot run tcptrack: %s" % e
    note = None
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        note = "tcptrack exit %d%s" % (p.returncode, (": " + err[0]) if err else "")
    recs = []
    for line in p.stdout.decode(errors="replace").splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            note = (note + "; " if note else "") + "unparsable JSON line"
            continue
        if o.get("type") == "conn":
            o["_c"] = parse_endpoint(o["client"])
            o["_s"] = parse_endpoint(o["server"])
            recs.append(o)
    return recs, note


def tuple_key(e1, e2):
    return tuple(sorted([e1, e2]))


def match_streams(streams, recs):
    """{stream index in list: [records]}; each record goes to at most one stream."""
    by_key = {}
    for i, s in enumerate(streams):
        a = (norm_addr(s["a"]["addr"]), s["a"]["port"])
        b = (norm_addr(s["b"]["addr"]), s["b"]["port"])
        s["_a"], s["_b"] = a, b
        by_key.setdefault(tuple_key(a, b), []).append(i)
    matched = {i: [] for i in range(len(streams))}
    for r in recs:
        best = None
        for i in by_key.get(tuple_key(r["_c"], r["_s"]), []):
            s = streams[i]
            if r["first"] > s["last_ts"] + EPS or r["last"] < s["first_ts"] - EPS:
                continue
            ov = min(r["last"], s["last_ts"]) - max(r["first"], s["first_ts"])
            rank = (ov, -s["first_ts"], -i)
            if best is None or rank > best[0]:
                best = (rank, i)
        if best is not None:
            matched[best[1]].append(r)
    return matched


def compare_public(binary, public):
    res = {c[0]: [0, 0] for c in COUNTERS}      # identical, total
    present = {c[0]: False for c in COUNTERS}   # field ever present in tcptrack's output
    diffs, unreported, notes = [], [], []
    streams_total = streams_reported = extra_records = 0
    for oracle in sorted(glob.glob(os.path.join(public, "*.oracle.json"))):
        with open(oracle) as f:
            orc = json.load(f)
        base = os.path.basename(oracle)[:-len(".oracle.json")]
        pcap = os.path.join(public, orc.get("file") or "")
        if not orc.get("file") or not os.path.isfile(pcap):
            cands = [p for p in (os.path.join(public, base + e) for e in (".pcap", ".pcapng"))
                     if os.path.isfile(p)]
            if not cands:
                notes.append("%s: no capture for the oracle" % base)
                continue
            pcap = cands[0]
        recs, note = run_tcptrack(binary, pcap)
        if note:
            notes.append("%s: %s" % (base, note))
        streams = orc.get("streams") or []
        matched = match_streams(streams, recs)
        extra_records += len(recs) - sum(len(v) for v in matched.values())
        for i, s in enumerate(streams):
            streams_total += 1
            rs = matched[i]
            if not rs:
                unreported.append("%s stream %s %s:%d <-> %s:%d (%d packets, %.6f..%.6f)" % (
                    base, s["stream"], s["_a"][0], s["_a"][1], s["_b"][0], s["_b"][1],
                    s["packets"], s["first_ts"], s["last_ts"]))
                continue
            streams_reported += 1
            for dkey, dname in DIRS:
                td = s["dir"][dkey]
                # Same orientation (client = a) or reversed; a self-connection
                # (a == b) counts as the same orientation.
                ods = [r["c2s" if ((r["_c"], r["_s"]) == (s["_a"], s["_b"])) ==
                         (dkey == "a_to_b") else "s2c"] for r in rs]
                for name, tget, oget, _ in COUNTERS:
                    tv = tget(td)
                    vals = [oget(d) for d in ods]
                    if any(v is not None for v in vals):
                        present[name] = True
                    ov = None if any(v is None for v in vals) else sum(vals)
                    res[name][1] += 1
                    if ov == tv:
                        res[name][0] += 1
                    else:
                        diffs.append((base, s["stream"], dname, name, tv, ov, len(rs)))
    return dict(res=res, present=present, diffs=diffs, unreported=unreported, notes=notes,
                streams_total=streams_total, streams_reported=streams_reported,
                extra_records=extra_records)


def kernel_retrans(truth):
    """The kernel's count of retransmitted segments in a real capture.

    Each endpoint runs in a fresh network namespace, so the SNMP MIB counter
    Tcp.RetransSegs (netstat -s "segments retransmitted"; SYN, data and FIN
    retransmissions, not zero-window or keep-alive probes) of that namespace counts the
    retransmissions of exactly the sockets of the capture.  truth["kernel_counters"]
    [client|server] lists the non-zero counters at the end, so an absent one is 0; we sum
    both sides.  truth["observed"]["kernel_RetransSegs"] holds the same figures and is
    used only when kernel_counters is missing.  (connections[].{client,server}
    .tcp_info_last_sampled.total_retrans is the per-socket tcpi_total_retrans, sampled
    and so possibly missing the last ones; not used.)
    """
    kc = truth.get("kernel_counters")
    if isinstance(kc, dict) and ("client" in kc or "server" in kc):
        return sum((kc.get(side) or {}).get("Tcp.RetransSegs", 0) for side in ("client", "server"))
    obs = (truth.get("observed") or {}).get("kernel_RetransSegs")
    if isinstance(obs, dict):
        return sum(v or 0 for v in obs.values())
    return None


def kernel_counter(truth, name):
    """Sum of one kernel counter (e.g. TcpExt.TCPFastRetrans) over both hosts."""
    kc = truth.get("kernel_counters") or {}
    return sum((kc.get(side) or {}).get(name, 0) for side in ("client", "server"))


def compare_real(binary, real):
    lines, notes = [], []
    equal = total = fast_equal = 0
    for pcap in sorted(glob.glob(os.path.join(real, "*.pcap"))):
        base = os.path.basename(pcap)[:-len(".pcap")]
        tpath = os.path.join(real, base + ".truth.json")
        if not os.path.isfile(tpath):
            continue
        with open(tpath) as f:
            truth = json.load(f)
        k = kernel_retrans(truth)
        kfast = kernel_counter(truth, "TcpExt.TCPFastRetrans")
        if k is None:
            notes.append("%s: no kernel retransmission count in the truth file" % base)
            continue
        recs, note = run_tcptrack(binary, pcap)
        if note:
            notes.append("%s: %s" % (base, note))
        o = sum(r["c2s"].get("retransmissions", 0) + r["s2c"].get("retransmissions", 0)
                for r in recs)
        ofast = sum(r["c2s"].get("fast_retransmissions", 0) +
                    r["s2c"].get("fast_retransmissions", 0) for r in recs)
        total += 1
        equal += (o == k)
        fast_equal += (ofast == kfast)
        lines.append("  %-24s kernel %5d  tcptrack %5d  %-9s  fast: kernel %3d  tcptrack %3d"
                     % (base, k, o, "ok" if o == k else "DIFFERENT", kfast, ofast))
    return dict(lines=lines, notes=notes, equal=equal, total=total, fast_equal=fast_equal)


def pct(a, b):
    return "%6.1f%%" % (100.0 * a / b) if b else "    -  "


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tcptrack")
    ap.add_argument("pcaps")
    ap.add_argument("--baseline", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "oracle_baseline.json"))
    ap.add_argument("--update-baseline", action="store_true",
                    help="rewrite the baseline from this run")
    args = ap.parse_args()

    public = os.path.join(args.pcaps, "public")
    real = os.path.join(args.pcaps, "real")
    if not os.path.isdir(args.pcaps) or not (os.path.isdir(public) or os.path.isdir(real)):
        print("SKIP: %s not present" % args.pcaps)
        return 77

    pub = compare_public(args.tcptrack, public)
    rl = compare_real(args.tcptrack, real)

    if pub["diffs"]:
        print("Differing directions (file, stream, direction a>b|b>a, counter: tshark ours"
              " [records]):")
        for base, st, dn, name, tv, ov, nr in pub["diffs"]:
            if not pub["present"][name]:
                continue
            print("  %s #%s %s %s: %s %s%s" % (base, st, dn, name, tv,
                                                "missing" if ov is None else ov,
                                                " [%d records]" % nr if nr > 1 else ""))
        print()
    if pub["unreported"]:
        print("Streams tshark sees that tcptrack does not report:")
        for u in pub["unreported"]:
            print("  " + u)
        print()
    for n in pub["notes"] + rl["notes"]:
        print("note: " + n)
    if rl["lines"]:
        print("Real captures: kernel Tcp.RetransSegs vs tcptrack retransmissions,"
              " TcpExt.TCPFastRetrans vs fast_retransmissions:")
        for l in rl["lines"]:
            print(l)
        print()

    figures = {"streams_reported": pub["streams_reported"], "real_captures_equal": rl["equal"],
               "real_fast_equal": rl["fast_equal"], "directions_identical": {}}
    print("%-26s %17s %8s" % ("counter", "identical/total", ""))
    for name, _, _, target in COUNTERS:
        ident, tot = pub["res"][name]
        if not pub["present"][name]:
            ident = 0
            print("%-26s %17s %8s  %s" % (name, "absent", "", "" if target else "(info)"))
        else:
            print("%-26s %8d / %-6d %s  %s" % (name, ident, tot, pct(ident, tot),
                                               "" if target else "(info)"))
        figures["directions_identical"][name] = ident
    print("%-26s %8d / %-6d %s" % ("streams reported", pub["streams_reported"],
                                   pub["streams_total"],
                                   pct(pub["streams_reported"], pub["streams_total"])))
    print("%-26s %8d / %-6d %s" % ("real captures equal", rl["equal"], rl["total"],
                                   pct(rl["equal"], rl["total"])))
    print("%-26s %8d / %-6d %s" % ("real fast retx equal", rl["fast_equal"], rl["total"],
                                   pct(rl["fast_equal"], rl["total"])))
    print("(%d tcptrack records matched no tshark stream)" % pub["extra_records"])

    if args.update_baseline:
        doc = {"comment": "Minimum figures for tests/oracle.py; regenerate with "
                          "'tests/oracle.py TCPTRACK PCAPS --update-baseline'."}
        doc.update(figures)
        with open(args.baseline, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=False)
            f.write("\n")
        print("baseline written to %s" % args.baseline)
        return 0

    try:
        with open(args.baseline) as f:
            bl = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL: cannot read baseline %s: %s" % (args.baseline, e))
        return 1
    below = []
    for key in ("streams_reported", "real_captures_equal", "real_fast_equal"):
        if figures[key] < bl.get(key, 0):
            below.append("%s: %d < baseline %d" % (key, figures[key], bl[key]))
    for name, v in figures["directions_identical"].items():
        b = bl.get("directions_identical", {}).get(name, 0)
        if v < b:
            below.append("%s identical directions: %d < baseline %d" % (name, v, b))
    if below:
        for l in below:
            print("FAIL: " + l)
        return 1
    print("OK: no figure below the baseline (%s)" % args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
