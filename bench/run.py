#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Side-by-side benchmark: tcptrack against the libpcap floor, tshark and tcptrace.

    bench/run.py --tcptrack BUILD/tcptrack --floor BUILD/bench/tcptrack-pcapfloor \
                 --measure BUILD/bench/tcptrack-measure [--runs 5] [--no-peers] [--max-flows N] CAPTURE...

For each capture it runs, in rounds that alternate the programs (so that a noisy
machine hurts them alike):
  pcapfloor       the libpcap read loop touching each packet (pcap_dispatch)
  tcptrack-json   tcptrack -r F --format json > /dev/null
  tcptrack-text   tcptrack -r F > /dev/null   (the default text report)
  tshark-conv     tshark -r F -q -z conv,tcp  (when installed, unless --no-peers)
  tcptrace        tcptrace -n F               (when installed, unless --no-peers)
  tcptrace-l      tcptrace -n -l F            (the same, with its long output)
  replay-max      tcptrack -r F --live --speed max --no-ui -F json   (with --replay:
                  the live loop and its event lines, as fast as the file reads)
and prints, per program, the median CPU seconds (user + system, from wait4),
packets/s, ns/packet, peak RSS (wait4 of a posix_spawn()ed child), and the ratios to pcapfloor and to tcptrack-json.
tcptrack's own summary gives the connections tracked at once (peak_flows);
RSS per tracked connection is (peak RSS - RSS on an empty capture) / peak_flows.
Start-up: the median wall time of tcptrack on a capture holding no packet.
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile


MEASURE = None


def run_once(argv):
    """Run argv (stdout to /dev/null) under tcptrack-measure; return (cpu_s, maxrss_kib, wall_s)."""
    p = subprocess.run([MEASURE] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = p.stderr.decode(errors="replace").strip().split("\n")
    if p.returncode != 0:
        sys.exit(f"run.py: {' '.join(argv)}: exit {p.returncode}: {' '.join(lines)[:300]}")
    user, system, rss, wall, _ = lines[-1].split()
    return float(user) + float(system), int(rss), float(wall)


def summary(tcptrack, capture, extra):
    out = subprocess.run([tcptrack, "-r", capture, "-F", "json"] + extra,
                         check=True, capture_output=True).stdout
    last = out.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return json.loads(last)


def empty_capture(directory):
    path = os.path.join(directory, "empty.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 128, 1))
    return path


def fmt_rate(x):
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcptrack", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--measure", required=True, help="the tcptrack-measure program")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true", help="skip tshark and tcptrace")
    ap.add_argument("--max-flows", type=int, default=0)
    ap.add_argument("--replay", action="store_true",
                    help="also time the live loop: -r F --live --speed max --no-ui -F json")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    global MEASURE
    MEASURE = a.measure
    extra = ["--max-flows", str(a.max_flows)] if a.max_flows else []
    results = []

    with tempfile.TemporaryDirectory() as tmp:
        empty = empty_capture(tmp)
        base_rss = min(run_once([a.tcptrack, "-r", empty] + extra)[1] for _ in range(3))
        startup = statistics.median(run_once([a.tcptrack, "-r", empty] + extra)[2]
                                    for _ in range(11))
        print(f"start-up (empty capture): {startup * 1e3:.2f} ms wall, {base_rss} KiB RSS")

        for cap in a.captures:
            s = summary(a.tcptrack, cap, extra)
            packets, peak = s["packets"], s["peak_flows"]
            progs = [
                ("pcapfloor", [a.floor, cap]),
                ("tcptrack-json", [a.tcptrack, "-r", cap, "-F", "json"] + extra),
                ("tcptrack-text", [a.tcptrack, "-r", cap] + extra),
            ]
            if not a.no_peers and shutil.which("tshark"):
                progs.append(("tshark-conv", ["tshark", "-r", cap, "-q", "-z", "conv,tcp"]))
            if not a.no_peers and shutil.which("tcptrace"):
                progs.append(("tcptrace", ["tcptrace", "-n", cap]))
                progs.append(("tcptrace-l", ["tcptrace", "-n", "-l", cap]))
            if a.replay:
                # The live path: the same loop as -i, fed from the file as fast as it reads.
                progs.append(("replay-max", [a.tcptrack, "-r", cap, "--live", "--speed", "max",
                                             "--no-ui", "-F", "json"] + extra))
            cpu = {n: [] for n, _ in progs}
            rss = {n: 0 for n, _ in progs}
            for _ in range(a.runs):
                for name, argv in progs:
                    c, m, _ = run_once(argv)
                    cpu[name].append(c)
                    rss[name] = max(rss[name], m)
            med = {n: statistics.median(v) for n, v in cpu.items()}
            print(f"\n{cap}: {packets} packets, {s['connections']} connections, "
                  f"at most {peak} tracked at once; median of {a.runs} runs")
            print(f"{'program':<15} {'CPU s':>8} {'pkts/s':>9} {'ns/pkt':>8} {'peak RSS':>10} "
                  f"{'x floor':>8} {'x tcptrack':>10}")
            for name, _ in progs:
                ns = med[name] * 1e9 / packets
                print(f"{name:<15} {med[name]:8.3f} {fmt_rate(packets / med[name]):>9} {ns:8.0f} "
                      f"{rss[name] / 1024:8.1f}Mi {med[name] / med['pcapfloor']:8.2f} "
                      f"{med[name] / med['tcptrack-json']:10.2f}")
            per_conn = (rss["tcptrack-json"] - base_rss) * 1024 / max(peak, 1)
            print(f"tcptrack RSS per tracked connection: {per_conn:.0f} bytes "
                  f"(({rss['tcptrack-json']} - {base_rss}) KiB / {peak})")
            results.append({"capture": cap, "packets": packets, "connections": s["connections"],
                            "peak_flows": peak, "median_cpu_s": med,
                            "peak_rss_kib": rss, "rss_per_conn_bytes": per_conn,
                            "startup_ms": startup * 1e3})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
