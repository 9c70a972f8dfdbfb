"""sgmock: a local emulator of the Alibaba Cloud ECS and ENS security-group APIs.

`Server` runs the sgmock binary shipped in this wheel on a free loopback port and drives its admin
API (`/_sgmock/*`): reset, state export and import, fault rules, the recent requests. It also builds
clients of the official SDKs, when they are installed, already pointed at it.

    with sgmock.Server() as server:
        ecs = server.ecs_client()
        ...

Under pytest the plugin (`sgmock.pytest_plugin`) gives the `sgmock` fixture instead.
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Server", "SgmockError", "binary"]

#: The region the SDK helpers use unless told otherwise.
DEFAULT_REGION = "cn-hangzhou"
#: The account every request lands in (sgmock's default; the helpers' key belongs to it too).
DEFAULT_ACCOUNT = "1234567890123456"


class SgmockError(Exception):
    """The server could not start, or an admin call failed."""


def binary(explicit=None):
    """The sgmock binary to run: `explicit`, else `$SGMOCK_BIN`, else the one this wheel installed
    beside the interpreter, else the first `sgmock` on PATH."""
    for candidate in (explicit, os.environ.get("SGMOCK_BIN")):
        if candidate:
            return candidate
    exe = "sgmock.exe" if sys.platform == "win32" else "sgmock"
    for scheme_dir in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(scheme_dir, exe)
        if os.path.isfile(path):
            return path
    found = shutil.which("sgmock")
    if found:
        return found
    raise SgmockError(
        "no sgmock binary: install this package (pip install ./python), put sgmock on PATH, "
        "or name one with SGMOCK_BIN / --sgmock-bin"
    )


class Server:
    """One sgmock process on `127.0.0.1:<free port>`.

    `auth`: "off" (any signature is accepted) or "verify" (signatures checked against
    `access_key`). `fixtures`: a state document (or a folder of them) loaded at start.
    `args`: more command-line flags (`["--rule-limit", "500"]`, …).
    """

    def __init__(self, *, bin=None, auth="off", access_key=("testid", "testsecret"),
                 fixtures=None, args=(), admin_token=None, startup_timeout=30.0):
        self.binary = binary(bin)
        self.auth = auth
        self.access_key_id, self.access_key_secret = access_key
        self.fixtures = fixtures
        self.args = list(args)
        self.admin_token = admin_token
        self.startup_timeout = startup_timeout
        self._proc = None
        self._log = None
        self.endpoint = None
        self.ca_file = None

    # ------------------------------------------------------------ the process

    def start(self):
        """Start the server and wait for its ready line (no sleeps, no port races)."""
        if self._proc is not None:
            return self
        # The key's account is sgmock's default one, so state documents and fixtures name the same
        # account whether signatures are checked or not.
        argv = [self.binary, "--listen", "127.0.0.1:0", "--auth", self.auth,
                "--access-key", f"{self.access_key_id}:{self.access_key_secret}:{DEFAULT_ACCOUNT}"]
        if self.fixtures:
            argv += ["--fixtures", os.fspath(self.fixtures)]
        if self.admin_token:
            argv += ["--admin-token", self.admin_token]
        # The CA certificate HTTPS clients trust (TLS is on by default, on the same port).
        fd, ca_file = tempfile.mkstemp(prefix="sgmock-", suffix="-ca.pem")
        os.close(fd)
        argv += ["--tls-ca-out", ca_file]
        argv += self.args
        # Logs go to a file: a pipe nobody reads would fill up and stall the server.
        self._log = tempfile.NamedTemporaryFile(prefix="sgmock-", suffix=".log", delete=False)
        try:
            self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log,
                                          text=True)
        except OSError as e:
            raise SgmockError(f"cannot run {self.binary}: {e}") from e
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self._proc.stdout.readline()),
                         daemon=True).start()
        try:
            line = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = ""
        if not line.startswith("sgmock listening on "):
            self.stop()
            raise SgmockError(f"sgmock did not start: {line.strip()!r}\n{self.log()}")
        self.endpoint = line.split()[-1]
        # Nothing written: TLS is off, or the server uses your own certificate (`--tls-cert`).
        self.ca_file = ca_file if os.path.getsize(ca_file) else None
        return self

    def stop(self):
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def log(self):
        """What the server has logged (stderr)."""
        if self._log is None:
            return ""
        with open(self._log.name, errors="replace") as f:
            return f.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ where it is

    @property
    def url(self):
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.endpoint}"

    @property
    def https_url(self):
        """`https://127.0.0.1:PORT`: the same port over TLS; trust `ca_file`."""
        return f"https://{self.endpoint}"

    @property
    def port(self):
        return int(self.endpoint.rsplit(":", 1)[1])

    # ------------------------------------------------------------ the admin API

    def _admin(self, method, path, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.admin_token:
            req.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise SgmockError(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}") from e

    def reset(self, account=None):
        """Empty the state (and, for a full reset, the fault rules and the request log); or only
        one account's groups."""
        path = "/_sgmock/reset" + (f"?account={account}" if account else "")
        return self._admin("POST", path)

    def state(self):
        """The whole state as a state document (a dict)."""
        return self._admin("GET", "/_sgmock/state")

    def load_state(self, doc):
        """Replace the state with a state document: a dict, JSON text, or a path to a JSON file."""
        if isinstance(doc, (str, os.PathLike)) and os.path.exists(doc):
            with open(doc, "rb") as f:
                body = f.read()
        elif isinstance(doc, str):
            body = doc.encode()
        else:
            body = json.dumps(doc).encode()
        return self._admin("PUT", "/_sgmock/state", body)

    def instances(self, *instances, region=DEFAULT_REGION, product="ecs", account=None):
        """Declare virtual instances (dicts as `PUT /_sgmock/instances` takes them: `id`, `vpc_id`,
        `status`, `network_interfaces` with `security_group_ids`, …) so they can join and leave
        groups; with none, list every instance."""
        if not instances:
            return self._admin("GET", "/_sgmock/instances")
        body = {"product": product, "instances": list(instances)}
        if product == "ecs":
            body["region"] = region
        if account:
            body["account"] = account
        return self._admin("PUT", "/_sgmock/instances", body)

    def evaluate(self, **question):
        """Would this packet pass? `POST /_sgmock/evaluate` with the question's fields (`target`,
        `direction`, `protocol`, `port`, `peer`, …; `region` defaults to cn-hangzhou for ECS)."""
        if question.get("product", "ecs") == "ecs":
            question.setdefault("region", DEFAULT_REGION)
        return self._admin("POST", "/_sgmock/evaluate", question)

    def lint(self, **filters):
        """The rule linter's findings (`account`, `region`, `security_group_id` filter them)."""
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v})
        return self._admin("GET", "/_sgmock/lint" + (f"?{query}" if query else ""))

    def requests(self, limit=None):
        """The recent requests, oldest first: dicts with `action`, `status`, `code`, `params`, …"""
        path = "/_sgmock/requests" + (f"?limit={int(limit)}" if limit is not None else "")
        return self._admin("GET", path)

    def faults(self, *rules):
        """Set the fault rules (each a dict, as `PUT /_sgmock/faults` takes them) and return them
        with their counters; with no rule, only return them."""
        if not rules:
            return self._admin("GET", "/_sgmock/faults")
        return self._admin("PUT", "/_sgmock/faults", list(rules))

    def clear_faults(self):
        return self._admin("DELETE", "/_sgmock/faults")

    def info(self):
        return self._admin("GET", "/_sgmock/info")

    # ------------------------------------------------------------ official SDK clients

    def tea_config(self, **overrides):
        """An `alibabacloud_tea_openapi` Config for this server: its endpoint, protocol http, the
        server's access key. Pass `signature_algorithm="v2"` for HMAC-SHA1, or
        `protocol="https", ca=server.ca_file` for the same calls over TLS."""
        from alibabacloud_tea_openapi import utils_models

        config = utils_models.Config(access_key_id=self.access_key_id,
                                     access_key_secret=self.access_key_secret,
                                     endpoint=self.endpoint, protocol="http")
        for key, value in overrides.items():
            setattr(config, key, value)
        return config

    def ecs_client(self, **overrides):
        """An `alibabacloud_ecs20140526` client for this server."""
        from alibabacloud_ecs20140526.client import Client

        return Client(self.tea_config(**overrides))

    def ens_client(self, **overrides):
        """An `alibabacloud_ens20171110` client for this server."""
        from alibabacloud_ens20171110.client import Client

        return Client(self.tea_config(**overrides))

    def acs_client(self, region=DEFAULT_REGION):
        """A legacy `aliyunsdkcore` AcsClient whose ECS and ENS requests go to this server."""
        from aliyunsdkcore.client import AcsClient

        client = AcsClient(self.access_key_id, self.access_key_secret, region)
        for product in ("Ecs", "Ens"):
            client.add_endpoint(region, product, self.endpoint)
        return client
