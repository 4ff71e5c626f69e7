"""A Web Push service of the tests' own, on loopback: each device has a push resource
(``http://127.0.0.1:PORT/device/NAME``) and its own keys; every message POSTed to it is
checked as a device and its push service would check it — the VAPID signature (RFC 8292,
``py-vapid``) against the server's public key, then decrypted (RFC 8291, ``http_ece``) — and
kept. A device can be told to answer 410 (its subscription gone)."""

import base64
import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid

P = "https://bitfire.at/webdav-push"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Received:
    """One message as its device read it."""

    device: str
    topic: str
    sync_token: str
    vapid_key: str
    """The public key the message's VAPID signature was checked with."""
    ttl: str
    at: float
    """``time.monotonic()`` when it arrived."""


@dataclass
class Device:
    name: str
    resource: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    answer: int = 201

    @property
    def public_key(self) -> str:
        return b64(self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64(self.auth_secret)


@dataclass
class Receiver:
    """The push service: its devices, and what each received, in order."""

    base: str
    devices: dict[str, Device] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Why a message was not taken (a bad signature, encryption or body)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def device(self, name: str) -> Device:
        made = Device(name, f"{self.base}device/{name}", ec.generate_private_key(ec.SECP256R1()),
                      os.urandom(16))
        self.devices[name] = made
        return made

    def of(self, name: str) -> list[Received]:
        with self.lock:
            return [each for each in self.received if each.device == name]

    def wait_for(self, name: str, count: int = 1, seconds: float = 20.0) -> list[Received]:
        """The device's messages once it has ``count`` (fails after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = self.of(name)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{name} received {len(self.of(name))} message(s), not {count}, "
                             f"in {seconds} s; refused: {self.refused}")

    def take(self, name: str, headers: dict[str, str], body: bytes) -> int:
        device = self.devices.get(name)
        if device is None:
            return 404
        if device.answer != 201:
            return device.answer
        try:
            received = self._read(device, headers, body)
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            with self.lock:
                self.refused.append(f"{name}: {type(error).__name__}: {error}")
            return 400
        with self.lock:
            self.received.append(received)
        return 201

    def _read(self, device: Device, headers: dict[str, str], body: bytes) -> Received:
        authorization = headers["authorization"]
        key = authorization.split("k=", 1)[1].split(",")[0].strip()
        assert Vapid.verify(authorization), "the VAPID signature does not verify"
        assert headers.get("content-encoding") == "aes128gcm"
        plain = http_ece.decrypt(body, private_key=device.private_key,
                                 auth_secret=device.auth_secret, version="aes128gcm")
        message = ET.fromstring(plain)
        assert message.tag == f"{{{P}}}push-message", message.tag
        return Received(device.name, message.findtext(f"{{{P}}}topic") or "",
                        message.findtext(f"{{{P}}}content-update/{{DAV:}}sync-token") or "",
                        key, headers.get("ttl", ""), time.monotonic())


@contextmanager
def receiving() -> Iterator[Receiver]:
    """The push service, listening on a free loopback port until the block ends."""
    receiver: Receiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            name = self.path.rsplit("/", 1)[-1]
            assert receiver is not None
            status = receiver.take(name, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
