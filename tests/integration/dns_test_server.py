"""A tiny authoritative-style DNS server for integration tests, built on dnslib (Debian's
python3-dnslib). It answers from a JSON zone file re-read on every query, so a test can change
records between deliveries:

    {"secure": true,
     "records": [["b.test", "MX", "10 mx.b.test."], ["mx.b.test", "A", "127.0.0.3"],
                 ["_2525._tcp.mx.b.test", "TLSA", "3 1 1 <hex>"]]}

With "secure" it sets the AD bit on answers to queries that asked for DNSSEC (DO bit), as a
validating resolver on loopback would (RFC 6840 §5.8). TTLs are 0 so that nothing is cached.
Usage: dns_test_server.py ZONE_JSON PORT_FILE  (binds 127.0.0.1 on a free UDP and TCP port and
writes the port number to PORT_FILE once it listens)."""
import json
import socket
import socketserver
import struct
import sys
import threading

from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSRecord, TLSA

ZONE_PATH = sys.argv[1]


def rdata(rtype, text):
    if rtype == "A":
        return A(text)
    if rtype == "AAAA":
        return AAAA(text)
    if rtype == "MX":
        pref, name = text.split()
        return MX(name, int(pref))
    if rtype == "TXT":
        return TXT(text)
    if rtype == "TLSA":
        usage, selector, mtype, data = text.split()
        return TLSA(int(usage), int(selector), int(mtype), bytes.fromhex(data))
    raise ValueError(rtype)


def answer(packet):
    request = DNSRecord.parse(packet)
    with open(ZONE_PATH) as f:
        zone = json.load(f)
    reply = request.reply()
    qname = str(request.q.qname).rstrip(".").lower()
    qtype = QTYPE[request.q.qtype]
    names = set()
    for name, rtype, text in zone["records"]:
        name = name.rstrip(".").lower()
        names.add(name)
        if name == qname and rtype == qtype:
            reply.add_answer(RR(request.q.qname, getattr(QTYPE, rtype), rdata=rdata(rtype, text),
                                ttl=0))
    if not reply.rr and qname not in names:
        reply.header.rcode = RCODE.NXDOMAIN
    do_bit = any(r.rtype == QTYPE.OPT and (r.ttl & 0x8000) for r in request.ar)
    reply.header.ad = 1 if zone.get("secure") and do_bit else 0
    return reply.pack()


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(answer(data), self.client_address)


class Tcp(socketserver.BaseRequestHandler):
    def handle(self):
        length = struct.unpack("!H", self.request.recv(2))[0]
        data = b""
        while len(data) < length:
            data += self.request.recv(length - len(data))
        out = answer(data)
        self.request.sendall(struct.pack("!H", len(out)) + out)


def main():
    for _ in range(20):
        udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Udp)
        port = udp.server_address[1]
        try:
            tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
            break
        except OSError:
            udp.server_close()
    else:
        sys.exit("no free port")
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    with open(sys.argv[2], "w") as f:
        f.write(str(port))
    udp.serve_forever()


if __name__ == "__main__":
    main()
