"""Thin raw-socket clients for what smtplib/poplib cannot express: pipelined batches, BDAT,
smuggling attempts, injected bytes after STARTTLS, dropped connections."""
import socket
import ssl

from facteur_harness import insecure_tls_context


class RawLineClient:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        line = self.f.readline()
        if not line:
            raise EOFError("connection closed by the server")
        return line

    def starttls(self):
        """Wraps the socket in TLS (after the server said yes)."""
        self.f.close()
        self.sock = insecure_tls_context().wrap_socket(self.sock)
        self.f = self.sock.makefile("rb")

    def at_eof(self, timeout=5.0):
        """True when the server closed the connection (nothing more to read)."""
        self.sock.settimeout(timeout)
        try:
            return self.f.read(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            return True

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RawSmtp(RawLineClient):
    def __init__(self, host, port, timeout=10.0, ehlo="client.example.net"):
        super().__init__(host, port, timeout)
        self.greeting = self.reply()
        if ehlo:
            code, self.ehlo_lines = self.cmd(f"EHLO {ehlo}")
            assert code == 250, (code, self.ehlo_lines)

    def reply(self):
        """One reply, all its lines: (code, [texts])."""
        texts = []
        while True:
            line = self.line()
            texts.append(line[4:].rstrip(b"\r\n").decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return int(line[:3]), texts

    def cmd(self, line):
        self.send(line + "\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.reply()


class RawPop3(RawLineClient):
    def __init__(self, host, port, timeout=10.0, tls=False):
        super().__init__(host, port, timeout)
        if tls:
            self.starttls()
        self.greeting = self.line()

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.line().rstrip(b"\r\n")

    def multiline(self):
        """The lines of a multi-line response, raw (still dot-stuffed), up to the '.'."""
        lines = []
        while True:
            line = self.line()
            if line == b".\r\n":
                return lines
            lines.append(line)
