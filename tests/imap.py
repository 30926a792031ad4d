"""A real IMAP server for the tests: Dovecot (Debian ``dovecot-imapd``) on 127.0.0.1.

Each :class:`Dovecot` runs from a throw-away folder: its own configuration, one user in a
passwd-file, Maildir storage, plain IMAP and IMAPS (a self-signed certificate made with
``cryptography``) on free ports; ``dovecot -F`` in the foreground, stopped at the end. As root,
Dovecot's login processes run as its own ``dovenull`` user (the package made it); otherwise as
the user running the tests.
"""

from __future__ import annotations

import datetime
import getpass
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "veille@example.org"
PASSWORD = "lettres-2026"  # noqa: S105 — a throw-away test account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (IP and name) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(host))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class Dovecot:
    """``with Dovecot(tmp_path) as server:`` a mailbox ``USER``/``PASSWORD`` on
    ``server.port`` (IMAP, STARTTLS offered) and ``server.tls_port`` (IMAPS)."""

    def __init__(self, folder: Path) -> None:
        if os.getuid() == 0:
            # Dovecot never runs a mailbox as root: the mailbox belongs to ``nobody``, in a
            # folder of /tmp that user may enter (pytest's own are closed to others).
            folder = Path(tempfile.mkdtemp(prefix="veille-dovecot-"))
            folder.chmod(0o755)
        self.folder = folder
        self.port = free_port()
        self.tls_port = free_port()
        self.maildir = folder / "mail"
        self.cert, self.key = self_signed(folder)
        self._process: subprocess.Popen[bytes] | None = None

    def _config(self) -> Path:
        user = getpass.getuser()
        uid, gid = os.getuid(), os.getgid()
        login = "dovenull" if uid == 0 else user
        if uid == 0:
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
            self.maildir.mkdir(exist_ok=True)
            os.chown(self.maildir, uid, gid)
        (self.folder / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.folder}::\n", encoding="utf-8"
        )
        run = self.folder / "run"
        run.mkdir(exist_ok=True)
        config = self.folder / "dovecot.conf"
        config.write_text(
            f"""
base_dir = {run}
state_dir = {self.folder / "state"}
log_path = {self.folder / "dovecot.log"}
protocols = imap
listen = 127.0.0.1
default_login_user = {login}
default_internal_user = {user}
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.maildir}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.folder / "passwd"}
}}
userdb {{
  driver = passwd-file
  args = {self.folder / "passwd"}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
""",
            encoding="utf-8",
        )
        return config

    def __enter__(self) -> Dovecot:
        config = self._config()
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.__exit__(None, None, None)
        log = self.folder / "dovecot.log"
        raise RuntimeError(
            "Dovecot did not start: " + (log.read_text() if log.exists() else "no log")
        )

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self.folder.name.startswith("veille-dovecot-"):
            shutil.rmtree(self.folder, ignore_errors=True)

    def client(self) -> IMAPClient:
        """A logged-in client on the plain port, to deliver and inspect letters."""
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """APPEND each message to ``folder`` (made when missing), unread."""
        with self.client() as client:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for message in messages:
                client.append(folder, message)

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """Each message's flags by UID."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            found = client.get_flags(client.search("ALL"))
            return {int(uid): tuple(f) for uid, f in found.items()}

    def ca_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))
