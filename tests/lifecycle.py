#!/usr/bin/env python3
"""lifecycle.py - tcptrack's endpoint states against the real Linux TCP stack.

Usage: lifecycle.py TCPTRACK DIR [DIR ...] [--min-agree N] [-v]

Each DIR holds NAME.pcap + NAME.truth.json pairs made by ../shared/tools/tcpgen
(captures of real kernel connections; the truth file lists, per connection and
endpoint, the states the kernel's socket table showed, sampled every ~1 ms, and
what the client's connect() returned).  A DIR that does not exist is skipped;
if none exists the test is skipped (exit 77).

For every connection of the truth files, three checks:

  history   each endpoint's history in tcptrack's record contains the states
            the host showed, in order, up to the capture's last packet (the
            sampler may miss brief states: tcptrack must not contradict the
            ones it saw); an endpoint the record leaves in TIME_WAIT leaves it
            at time_wait_until or at the next incarnation's first packet;
  final     tcptrack's final state of each endpoint is the one the host showed
            once the last packet had reached it (the capture point is one
            one-way delay away from the receiving host; a state change that
            fell between two samples accepts either side of it);
  outcome   the outcome agrees with the client's connect() result:
            ECONNREFUSED -> refused, ETIMEDOUT -> timeout,
            EHOSTUNREACH/ENETUNREACH -> unreachable, success -> none of those.

And --at: at instants in the middle of states the hosts showed steadily (away
from their sampled edges by the one-way delay and a few ms), the socket table
shows each such endpoint in that state.

Prints one line per disagreement and the agreement figures; exits 1 if any
connection disagrees (or fewer than --min-agree connections were checked).
"""
import argparse
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

ERRNO_OUTCOME = {"ECONNREFUSED": "refused", "ETIMEDOUT": "timeout",
                 "EHOSTUNREACH": "unreachable", "ENETUNREACH": "unreachable"}
FAILED = ("refused", "timeout", "unreachable")
SLACK = 0.002   # sampling resolution and scheduling, seconds


def endpoint(addr, port):
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def run(binary, pcap):
    p = subprocess.run([binary, "-r", pcap, "-F", "json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"conn"')]
    return p.returncode, p.stderr.strip(), recs


def is_subsequence(want, have):
    it = iter(have)
    return all(any(w == h for h in it) for w in want)


def state_at(states, t):
    """The states a sampled endpoint may have been in at time t (a set)."""
    cur = None
    for s in states:
        if s["first_seen"] <= t:
            cur = s
            continue
        # t lies before this state was first seen: if it also lies after the
        # previous one's last sample, the change happened in between.
        prev_last = cur["last_seen"] if cur is not None else None
        if prev_last is None or t > prev_last:
            return {cur["state"] if cur else "CLOSED", s["state"]}
        return {cur["state"]}
    return {cur["state"]} if cur else {"CLOSED"}


def connect_results(truth):
    """Client port -> the results of its connect() calls, in order ("ok" or an errno name)."""
    res = {}
    port = None
    for ev in truth.get("app_events", []):
        if ev.get("side") != "client":
            continue
        kind = ev.get("ev")
        if kind == "connect_call":
            port = ev.get("bind_port")
        elif kind == "connected" and port:
            res.setdefault(port, []).append("ok")
        elif kind == "connect_error":
            res.setdefault(ev.get("bind_port") or port, []).append(ev.get("error"))
        elif kind == "conns":  # many connections at once: one summary event
            for c in ev.get("conns", []):
                if "connected" in c:
                    res.setdefault(c.get("port"), []).append("ok")
                elif c.get("error"):
                    res.setdefault(c.get("port"), []).append(c["error"])
    return res


def at_checks(binary, pcap, truth, delay, instants):
    """--at: at instants in the middle of stable states, the socket table must show
    every endpoint whose host state is certain then, in that state (CLOSED: no row)."""
    margin = delay + SLACK + 0.003
    stable = []   # (lo, hi, state, local, peer, fin time of that endpoint or None)
    for c in truth["connections"]:
        fins = ((c.get("pcap") or {}).get("fin") or {})
        tu = c["tuple"]
        ends = {"client": endpoint(tu["client_addr"], tu["client_port"]),
                "server": endpoint(tu["server_addr"], tu["server_port"])}
        for side, other in (("client", "server"), ("server", "client")):
            for s in c[side].get("states", []):
                lo = s["first_seen"] + margin
                hi = s.get("last_seen", s["first_seen"]) - margin
                if s["state"] == "CLOSED" or hi <= lo:
                    continue
                fin = fins.get(side)
                stable.append((lo, hi, s["state"], ends[side], ends[other],
                               fin.get("ts") if isinstance(fin, dict) else fin))
    if not stable:
        return 0, 0, 0, []
    # Instants spread over the stable intervals' midpoints.
    mids = sorted((st[0] + st[1]) / 2 for st in stable)
    step = max(1, len(mids) // instants)
    picks = mids[::step][:instants]
    ok = total = unseen = 0
    problems = []
    for t in picks:
        p = subprocess.run([binary, "-r", pcap, "-F", "json", "--at", "%.6f" % t],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        rows = {}
        for l in p.stdout.splitlines():
            j = json.loads(l)
            if j.get("type") == "socket" and j.get("id") is not None:
                rows.setdefault((j["local"], j["peer"]), set()).add(j["state"])
        for lo, hi, state, local, peer, fin in stable:
            if not lo <= t <= hi:
                continue
            if state in ("FIN_WAIT_1", "LAST_ACK", "CLOSING") and (fin is None or t < fin):
                # close() with data still queued: the host is in the state
                # before its FIN leaves; nothing on the wire shows it yet.
                unseen += 1
                continue
            total += 1
            got = rows.get((local, peer), set())
            if state in got:
                ok += 1
            else:
                problems.append("%s --at %.6f: %s->%s shows %s, host was %s" % (
                    os.path.basename(pcap), t, local, peer, sorted(got) or "no row", state))
    return ok, total, unseen, problems


def left_time_wait(r, side, succ, last):
    """An endpoint's history and state at the last packet, as tcptrack reports them.

    A record is written when its connection is over; an endpoint still in
    TIME_WAIT then leaves it at time_wait_until, or, when the next incarnation
    on the 4-tuple (the successor record) began before that, at its first
    packet (the man page's rule; the event stream and --at show the same)."""
    ours = [s for s, _ in r[side + "_history"]]
    final = r[side + "_state"]
    if final == "TIME_WAIT":
        until = (r.get("time_wait_until") or {}).get(side)
        ends = [t for t in (until, succ["first"] if succ else None) if t is not None]
        if ends and min(ends) <= last:
            ours.append("CLOSED")
            final = "CLOSED"
    return ours, final


def check_capture(binary, pcap, tpath, verbose, instants):
    with open(tpath) as f:
        truth = json.load(f)
    rc, err, recs = run(binary, pcap)
    problems = []
    if rc != 0:
        problems.append("tcptrack exit %d: %s" % (rc, err))
    delay = (truth.get("network") or {}).get("one_way_delay_ms", 0) / 1000.0
    last_pkt = (truth.get("pcap") or {}).get("summary", {}).get("last_ts")
    results = connect_results(truth)
    by_key = {}
    for r in recs:
        by_key.setdefault((r["client"], r["server"]), []).append(r)
    n = ok = 0
    counts = {"history": [0, 0], "final": [0, 0], "outcome": [0, 0], "at": [0, 0],
              "at_unseen": [0, 0]}
    a_ok, a_total, a_unseen, a_probs = at_checks(binary, pcap, truth, delay, instants)
    counts["at"] = [a_ok, a_total]
    counts["at_unseen"] = [a_unseen, 0]
    problems += a_probs
    for c in truth["connections"]:
        tu = c["tuple"]
        key = (endpoint(tu["client_addr"], tu["client_port"]),
               endpoint(tu["server_addr"], tu["server_port"]))
        inc = c.get("incarnation", 1)
        label = "%s %s->%s #%d" % (os.path.basename(pcap), key[0], key[1], inc)
        n += 1
        cand = [r for r in by_key.get(key, []) if r["incarnation"] == inc]
        if not cand:
            problems.append("%s: no record (records: %s)" % (
                label, [r["incarnation"] for r in by_key.get(key, [])]))
            for k in ("history", "final", "outcome"):
                counts[k][1] += 1
            continue
        r = cand[0]
        good = True
        cutoff = (last_pkt if last_pkt is not None else r["last"]) + delay + SLACK
        succ = [x for x in by_key.get(key, []) if x["incarnation"] == inc + 1]
        for side in ("client", "server"):
            states = c[side].get("states", [])
            seen = [s["state"] for s in states if s["first_seen"] <= cutoff]
            ours, final = left_time_wait(r, side, succ[0] if succ else None,
                                         last_pkt if last_pkt is not None else r["last"])
            ok_h = is_subsequence(seen, ours)
            counts["history"][0] += ok_h
            counts["history"][1] += 1
            if not ok_h:
                good = False
                problems.append("%s %s: history %s, host showed %s" % (label, side, ours, seen))
            if states:
                at = state_at(states, (last_pkt or r["last"]) + delay + SLACK)
                if not states[0]["first_seen"] <= cutoff:
                    at = {"CLOSED", "LISTEN"}  # never existed before the end
                # A server that never had a socket for this connection (no SYN
                # reached it) is CLOSED to tcptrack; LISTEN belongs to the listener.
                ok_f = final in at or (final in ("CLOSED", "LISTEN") and
                                       at <= {"CLOSED", "LISTEN"})
            else:
                ok_f = final in ("CLOSED", "LISTEN")
                at = {"(no socket)"}
            counts["final"][0] += ok_f
            counts["final"][1] += 1
            if not ok_f:
                good = False
                problems.append("%s %s: final %s, host showed %s after the last packet" % (
                    label, side, final, sorted(at)))
        tries = results.get(tu["client_port"], [])
        want = tries[inc - 1] if inc <= len(tries) else None
        if want is not None:
            exp = ERRNO_OUTCOME.get(want)
            ok_o = (r["outcome"] == exp) if exp else (r["outcome"] not in FAILED)
            counts["outcome"][0] += ok_o
            counts["outcome"][1] += 1
            if not ok_o:
                good = False
                problems.append("%s: outcome %s, connect() gave %s" % (label, r["outcome"], want))
        ok += good
        if verbose and good:
            print("  ok %s" % label)
    return n, ok, counts, problems


def one_direction(src_pcap, dst_pcap, keep_addrs):
    """Copy a classic Ethernet pcap keeping the frames sent by keep_addrs (an
    asymmetric-routing capture: one direction only).  Returns frames kept."""
    with open(src_pcap, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = [data[:24]]
    off, kept = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + caplen]
        src = None
        if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
            src = frame[26:30]
        elif len(frame) >= 54 and frame[12:14] == b"\x86\xdd":
            src = frame[22:38]
        if src in keep_addrs:
            out.append(data[off:off + 16 + caplen])
            kept += 1
        off += 16 + caplen
    with open(dst_pcap, "wb") as f:
        f.write(b"".join(out))
    return kept


def ip_bytes(addr):
    import ipaddress
    return ipaddress.ip_address(addr).packed


def check_one_sided(binary, pcap, truth, tmpdir):
    """Both one-direction copies of a capture: every record of a connection whose
    captured side acknowledges the other must say "one_sided"; states are
    counted as consistent when each one tcptrack claims is one the host went
    through, in order (the host's sampled states, or the textbook sequence for
    states too brief to sample)."""
    net = truth.get("network") or {}
    res = {"flagged": [0, 0], "consistent": [0, 0], "final": [0, 0]}
    problems = []
    for side in ("client", "server"):
        keep = set()
        for fam in ("ipv4", "ipv6"):
            a = (net.get(side) or {}).get(fam)
            if a:
                keep.add(ip_bytes(a))
        out = os.path.join(tmpdir, "%s.%s-only.pcap" % (os.path.basename(pcap)[:-5], side))
        one_direction(pcap, out, keep)
        rc, err, recs = run(binary, out)
        by_key = {}
        for r in recs:
            by_key.setdefault((r["client"], r["server"]), []).append(r)
        for c in truth["connections"]:
            tu = c["tuple"]
            key = (endpoint(tu["client_addr"], tu["client_port"]),
                   endpoint(tu["server_addr"], tu["server_port"]))
            cand = [r for r in by_key.get(key, []) if r["incarnation"] == c.get("incarnation", 1)]
            if not cand:
                continue  # nothing of it in this direction
            r = cand[0]
            label = "%s %s-only %s->%s #%d" % (os.path.basename(pcap), side, key[0], key[1],
                                                c.get("incarnation", 1))
            kept = r["c2s" if side == "client" else "s2c"]
            if kept.get("ack_max") is not None:
                res["flagged"][1] += 1
                if "one_sided" in r["inferred"]:
                    res["flagged"][0] += 1
                else:
                    problems.append("%s: not flagged one_sided (%s)" % (label, r["inferred"]))
            for ep in ("client", "server"):
                seen = c[ep].get("sequence", [])
                allowed = seen + [x for x in c[ep].get("expected_sequence", []) if x not in seen]
                ours = [x for x, _ in r[ep + "_history"] if x != "LISTEN"]
                ok = is_subsequence(ours, seen) or is_subsequence(ours, c[ep].get(
                    "expected_sequence", [])) or all(x in allowed for x in ours) and \
                    is_subsequence([x for x in ours if x in seen], seen)
                res["consistent"][1] += 1
                res["consistent"][0] += ok
                fin = c[ep].get("final_state") or (seen[-1] if seen else "CLOSED")
                res["final"][1] += 1
                res["final"][0] += r[ep + "_state"] == fin
    return res, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tcptrack")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--min-agree", type=int, default=1)
    ap.add_argument("--at-instants", type=int, default=8,
                    help="instants per capture at which --at is checked")
    ap.add_argument("--one-sided-min", type=int, default=0,
                    help="fail if fewer endpoints of one-direction copies are consistent")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    dirs = [d for d in args.dirs if os.path.isdir(d)]
    if not dirs:
        print("SKIP: none of %s present" % " ".join(args.dirs))
        return 77
    total = agree = 0
    sums = {"history": [0, 0], "final": [0, 0], "outcome": [0, 0], "at": [0, 0],
            "at_unseen": [0, 0]}
    problems = []
    one = {"flagged": [0, 0], "consistent": [0, 0], "final": [0, 0]}
    tmpdir = tempfile.mkdtemp(prefix="tcptrack-lifecycle-")
    for d in dirs:
        for pcap in sorted(glob.glob(os.path.join(d, "*.pcap"))):
            tpath = pcap[:-len(".pcap")] + ".truth.json"
            if not os.path.isfile(tpath):
                continue
            n, ok, counts, probs = check_capture(args.tcptrack, pcap, tpath, args.verbose,
                                                 args.at_instants)
            total += n
            agree += ok
            for k in sums:
                sums[k][0] += counts[k][0]
                sums[k][1] += counts[k][1]
            problems += probs
            with open(tpath) as f:
                o, oprobs = check_one_sided(args.tcptrack, pcap, json.load(f), tmpdir)
            for k in one:
                one[k][0] += o[k][0]
                one[k][1] += o[k][1]
            problems += oprobs
            print("%-40s %4d/%-4d connections agree" % (os.path.relpath(pcap, d if len(dirs) == 1
                                                                         else os.path.dirname(d)),
                                                      ok, n))
    for p in problems:
        print("DISAGREE " + p)
    print("history (endpoints): %d/%d; final state (endpoints): %d/%d; outcome vs connect(): %d/%d;"
          " --at in stable states (endpoints): %d/%d"
          % tuple(x for k in ("history", "final", "outcome", "at") for x in sums[k]))
    if sums["at_unseen"][0]:
        print("(--at: %d endpoint checks skipped: FIN_WAIT_1/LAST_ACK entered by a close() whose"
              " FIN had not left yet, invisible on the wire)" % sums["at_unseen"][0])
    print("one direction only (each capture filtered both ways): flagged one_sided %d/%d;"
          " endpoint histories consistent with the host %d/%d; final state as the host %d/%d"
          % tuple(x for k in ("flagged", "consistent", "final") for x in one[k]))
    for f in glob.glob(os.path.join(tmpdir, "*")):
        os.unlink(f)
    os.rmdir(tmpdir)
    print("agreement: %d of %d connections (%.1f%%)" % (agree, total,
                                                        100.0 * agree / total if total else 0))
    if total < args.min_agree:
        print("FAIL: only %d connections checked" % total)
        return 1
    if one["consistent"][0] < args.one_sided_min:
        print("FAIL: one-direction copies: %d consistent endpoints < %d" % (
            one["consistent"][0], args.one_sided_min))
        return 1
    return 0 if (agree == total and sums["at"][0] == sums["at"][1] and
                 one["flagged"][0] == one["flagged"][1]) else 1


if __name__ == "__main__":
    sys.exit(main())
