"""SCTP INIT / INIT-ACK over raw IPv4 sockets, for FirewallSctpDnatIT.

The kernel these tests run on may lack SCTP sockets (CONFIG_IP_SCTP), but raw sockets of
protocol 132 work everywhere, and conntrack's SCTP tracker with them: enough to watch cnm's
DNAT rewrite an association's first packet and un-NAT the answer.

  raw_sctp.py serve TIMEOUT       wait for one INIT, answer it with an INIT-ACK, print what arrived
  raw_sctp.py connect IP PORT SPORT TIMEOUT
                                  send INITs (every 0.2 s) until an INIT-ACK comes, print it
Printed: "<chunk> <src>:<sport> -> <dst>:<dport>", chunk being INIT or INIT_ACK.
"""
import socket
import struct
import sys
import time

SCTP = 132
INIT, INIT_ACK = 1, 2
TAG = 0x0C0FFEE0


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def packet(sport, dport, vtag, chunk_type, init_tag):
    # common header, then an INIT or INIT-ACK chunk without parameters (20 bytes)
    chunk = struct.pack("!BBHIIHHI", chunk_type, 0, 20, init_tag, 65535, 1, 1, 1)
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + chunk
    # the CRC32c goes on the wire in little-endian order (RFC 4960 appendix B)
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def parse(data):
    ihl = (data[0] & 0x0F) * 4
    src, dst = socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])
    sport, dport, vtag = struct.unpack("!HHI", data[ihl:ihl + 8])
    chunk_type = data[ihl + 12]
    init_tag = struct.unpack("!I", data[ihl + 16:ihl + 20])[0]
    return src, sport, dst, dport, vtag, chunk_type, init_tag


def show(src, sport, dst, dport, chunk_type):
    name = {INIT: "INIT", INIT_ACK: "INIT_ACK"}.get(chunk_type, str(chunk_type))
    print(f"{name} {src}:{sport} -> {dst}:{dport}", flush=True)


def serve(timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, SCTP)
    deadline = time.monotonic() + timeout
    while True:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        src, sport, dst, dport, _, chunk_type, init_tag = parse(s.recvfrom(2048)[0])
        if chunk_type == INIT:
            # the INIT-ACK carries the peer's initiate tag as its verification tag (conntrack checks it)
            s.sendto(packet(dport, sport, init_tag, INIT_ACK, TAG + 1), (src, 0))
            show(src, sport, dst, dport, chunk_type)
            return


def connect(ip, port, sport, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, SCTP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s.sendto(packet(sport, port, 0, INIT, TAG), (ip, 0))
        s.settimeout(0.2)
        try:
            while True:
                src, rsport, dst, rdport, vtag, chunk_type, _ = parse(s.recvfrom(2048)[0])
                if chunk_type == INIT_ACK and rdport == sport and vtag == TAG:
                    show(src, rsport, dst, rdport, chunk_type)
                    return
        except socket.timeout:
            pass
    print("no INIT_ACK", flush=True)
    sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(float(sys.argv[2]))
    else:
        connect(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
