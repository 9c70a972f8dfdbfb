#!/usr/bin/env python3
"""Prove that the Dockerfile builds an image that works (run by ./scripts/check-image).

With a Docker daemon: docker build, docker run with a volume, wait for the HEALTHCHECK to report
healthy, API calls through the published port, a write with --state-file on the volume, a restart,
the write read back, and the image's size.

Without one (the docker CLI alone, as on CI machines): the same proof as far as it goes without an
engine. The build context is assembled exactly as the Dockerfile and .dockerignore define it (the
Dockerfile's COPY instructions over the context that .dockerignore leaves), the build stage's own RUN
command is run in it, and the resulting runtime file system is run as the image would run it: its
ENV, its ENTRYPOINT, its USER (a non-root uid), its HEALTHCHECK command, and --state-file on /data —
in a private network namespace as root, so 0.0.0.0:8080 reaches nothing outside. A Dockerfile that
would not build, or an image that would not run, fails here.

It says on its last line which of the two it did. Only what this Dockerfile uses is understood
(FROM … AS, WORKDIR, COPY [--from] [--chown], RUN, ENV, EXPOSE, USER, HEALTHCHECK CMD, ENTRYPOINT);
anything else is an error, so a change to the Dockerfile cannot slip past unchecked.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "image-check")
# distroless's named users (the only ones this Dockerfile may use).
USERS = {"root": 0, "nonroot": 65532}


def fail(msg):
    print(f"check-image: FAIL: {msg}", flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- the Dockerfile


def parse_dockerfile(path):
    """Stages as dicts: name, base, instructions [(op, args)]."""
    text = open(path).read().replace("\\\n", " ")
    stages = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        op = op.upper()
        rest = rest.strip()
        if op == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(stages))
            base = parts[0]
            if ":" not in base.split("/")[-1] and "@" not in base:
                fail(f"base image {base} is not pinned to an exact tag or a digest")
            stages.append({"name": name, "base": base, "ops": []})
        elif not stages:
            fail(f"{op} before FROM")
        elif op in ("WORKDIR", "COPY", "RUN", "ENV", "EXPOSE", "USER", "HEALTHCHECK", "ENTRYPOINT"):
            stages[-1]["ops"].append((op, rest))
        else:
            fail(f"the checker does not understand {op}; teach scripts/image_check.py")
    if not stages:
        fail("no FROM in the Dockerfile")
    return stages


def exec_form(rest, what):
    try:
        value = json.loads(rest)
    except json.JSONDecodeError:
        fail(f"{what} must use the exec form (a JSON array): {rest}")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(f"{what} must be a JSON array of strings: {rest}")
    return value


# ---------------------------------------------------------------- .dockerignore


def ignore_patterns(context):
    """(regex, exclusion) pairs, as Docker reads .dockerignore: last match wins, `!` re-includes,
    a pattern that matches a directory matches everything under it, `**` crosses directories."""
    path = os.path.join(context, ".dockerignore")
    if not os.path.exists(path):
        return []
    out = []
    for raw in open(path).read().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        line = os.path.normpath(line.lstrip("/"))
        rx = ""
        i = 0
        while i < len(line):
            c = line[i]
            if line.startswith("**", i):
                rx += ".*"
                i += 2
                if i < len(line) and line[i] == "/":
                    rx = rx[:-2] + "(.*/)?"
                    i += 1
                continue
            if c == "*":
                rx += "[^/]*"
            elif c == "?":
                rx += "[^/]"
            elif c == "[":
                j = line.find("]", i)
                if j < 0:
                    fail(f"bad pattern in .dockerignore: {raw}")
                rx += line[i : j + 1]
                i = j
            else:
                rx += re.escape(c)
            i += 1
        out.append((re.compile("^" + rx + "$"), exclusion))
    return out


def ignored(rel, patterns):
    parts = rel.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    excluded = False
    for rx, exclusion in patterns:
        if any(rx.match(p) for p in prefixes):
            excluded = not exclusion
    return excluded


def context_files(context):
    patterns = ignore_patterns(context)
    files = []
    for dirpath, dirnames, filenames in os.walk(context):
        rel_dir = os.path.relpath(dirpath, context)
        rel_dir = "" if rel_dir == "." else rel_dir
        # Descend only where something may be included (an `!` exception can re-include).
        if not any(e for _, e in patterns):
            dirnames[:] = [d for d in dirnames if not ignored(os.path.join(rel_dir, d), patterns)]
        for f in filenames:
            rel = os.path.join(rel_dir, f)
            if not ignored(rel, patterns):
                files.append(rel)
    return sorted(files)


# ---------------------------------------------------------------- emulating the build


def copy_into(src, dst):
    if os.path.isdir(src) and not os.path.islink(src):
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):
            copy_into(os.path.join(src, name), os.path.join(dst, name))
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)


def chown_tree(path, uid, gid):
    for dirpath, dirnames, filenames in os.walk(path):
        os.chown(dirpath, uid, gid)
        for n in filenames:
            os.chown(os.path.join(dirpath, n), uid, gid)


def in_root(root, path):
    return os.path.join(root, path.lstrip("/"))


def emulate(context, stages, cache_target):
    """Build every stage into a directory of its own; returns (roots by stage name, final stage)."""
    files = context_files(context)
    roots = {}
    shutil.rmtree(os.path.join(WORK, "stages"), ignore_errors=True)
    for n, stage in enumerate(stages):
        root = os.path.join(WORK, "stages", stage["name"])
        os.makedirs(root)
        roots[stage["name"]] = root
        workdir = "/"
        stage["env"] = {}
        stage["user"] = "root"
        for op, rest in stage["ops"]:
            if op == "WORKDIR":
                workdir = os.path.join(workdir, rest)
                os.makedirs(in_root(root, workdir), exist_ok=True)
            elif op == "ENV":
                key, _, value = rest.partition("=")
                if not key or not value:
                    fail(f"ENV must be KEY=VALUE: {rest}")
                stage["env"][key.strip()] = value.strip()
            elif op == "COPY":
                args = shlex.split(rest)
                source_stage, chown = None, None
                while args and args[0].startswith("--"):
                    flag = args.pop(0)
                    if flag.startswith("--from="):
                        source_stage = flag.split("=", 1)[1]
                    elif flag.startswith("--chown="):
                        chown = flag.split("=", 1)[1]
                    else:
                        fail(f"COPY flag {flag} is not understood")
                if len(args) < 2:
                    fail(f"COPY needs a source and a destination: {rest}")
                *sources, dst = args
                if len(sources) > 1 and not dst.endswith("/"):
                    fail(f"COPY of several sources needs a destination ending in /: {rest}")
                dest = in_root(root, os.path.join(workdir, dst))
                for src in sources:
                    if source_stage is None:
                        # From the context, as .dockerignore leaves it. A directory's contents go
                        # into the destination; a file goes into it when it ends in `/`.
                        prefix = os.path.normpath(src)
                        chosen = [f for f in files if prefix == "." or f == prefix or f.startswith(prefix + "/")]
                        if not chosen:
                            fail(f"COPY {src}: not in the build context (is it in .dockerignore?)")
                        for f in chosen:
                            if f == prefix:
                                target = os.path.join(dest, os.path.basename(f)) if dst.endswith("/") else dest
                            else:
                                target = os.path.join(dest, f if prefix == "." else os.path.relpath(f, prefix))
                            copy_into(os.path.join(context, f), target)
                    else:
                        if source_stage not in roots:
                            fail(f"COPY --from={source_stage}: no such earlier stage")
                        origin = in_root(roots[source_stage], src)
                        if not os.path.exists(origin):
                            fail(f"COPY --from={source_stage} {src}: the build stage did not produce it")
                        copy_into(origin, dest)
                if chown:
                    uid, _, gid = chown.partition(":")
                    uid = USERS.get(uid, uid)
                    chown_tree(dest, int(uid), int(gid or uid))
            elif op == "RUN":
                if n == len(stages) - 1:
                    fail("RUN in the runtime stage: distroless has no shell")
                if re.search(r"(^|[\s;&|])/", rest):
                    fail(f"RUN uses an absolute path, which cannot be emulated here: {rest}")
                env = dict(os.environ)
                env.update(stage["env"])
                # The build's cargo cache lives outside the context copy, as a BuildKit cache would.
                env["CARGO_TARGET_DIR"] = os.path.join(in_root(root, workdir), "target")
                os.makedirs(cache_target, exist_ok=True)
                link = env["CARGO_TARGET_DIR"]
                if not os.path.exists(link):
                    os.symlink(cache_target, link)
                print(f"check-image: RUN {rest}  (in {workdir} of stage {stage['name']})", flush=True)
                r = subprocess.run(["sh", "-c", rest], cwd=in_root(root, workdir), env=env)
                if r.returncode != 0:
                    fail(f"the build stage's RUN failed (exit {r.returncode}): the image would not build")
            elif op == "USER":
                stage["user"] = rest
            elif op in ("EXPOSE", "HEALTHCHECK", "ENTRYPOINT"):
                stage[op.lower()] = rest
    return roots, stages[-1]


# ---------------------------------------------------------------- running it as the image would


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, query, method="GET", data=None, cafile=None):
    """One API call over plain HTTP, or over HTTPS verified against `cafile` (strictly, as Python
    3.13+ does)."""
    scheme, context = "http", None
    if cafile:
        scheme, context = "https", ssl.create_default_context(cafile=cafile)
        context.verify_flags |= ssl.VERIFY_X509_STRICT
    req = urllib.request.Request(f"{scheme}://127.0.0.1:{port}/?{query}", method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def run_phase(root, final, isolated):
    """Run the runtime file system as the image would. `isolated`: in a private network namespace
    as the image's uid (so the image's 0.0.0.0:8080 is used as is)."""
    entrypoint = exec_form(final.get("entrypoint", "[]"), "ENTRYPOINT")
    health = final.get("healthcheck", "")
    m = re.search(r"CMD\s+(\[.*\])\s*$", health)
    if not m:
        fail("HEALTHCHECK must be `HEALTHCHECK [options] CMD [\"…\"]`")
    health_cmd = exec_form(m.group(1), "HEALTHCHECK CMD")
    user = final.get("user", "root")
    uid = USERS.get(user, user)
    uid = int(uid)
    if uid == 0:
        fail("the image runs as root")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **final["env"]}
    if "SGMOCK_TLS_CA_OUT" not in env or not env["SGMOCK_TLS_CA_OUT"].startswith("/data/"):
        fail("the image must write its CA certificate into /data (ENV SGMOCK_TLS_CA_OUT=/data/…)")
    if isolated:
        listen = env.get("SGMOCK_LISTEN", "127.0.0.1:8080")
        port = int(listen.rsplit(":", 1)[1])
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    else:
        port = free_port()
        env["SGMOCK_LISTEN"] = f"127.0.0.1:{port}"
        drop = []
    data = in_root(root, "/data")
    if not os.path.isdir(data):
        fail("the image has no /data for --state-file")
    volume = tempfile.mkdtemp(prefix="sgmock-volume-")
    copy_into(data, volume)
    if isolated:
        os.chown(volume, uid, uid)
    # The volume stands in for /data, in the flags and in the image's environment alike.
    for key, value in env.items():
        if value == "/data" or value.startswith("/data/"):
            env[key] = volume + value[len("/data"):]
    ca_file = env["SGMOCK_TLS_CA_OUT"]
    mapped = lambda argv: [in_root(root, a) if a.startswith("/usr/") else a for a in argv]
    args = mapped(entrypoint) + ["--state-file", os.path.join(volume, "state.json")]

    def start():
        p = subprocess.Popen(drop + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        if not line.startswith("sgmock listening on "):
            p.kill()
            fail(f"the image's entrypoint did not start: {line!r} {p.stderr.read()}")
        return p, line.strip()

    p, ready = start()
    status = open(f"/proc/{p.pid}/status").read()
    real_uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
    if real_uid != uid:
        fail(f"runs as uid {real_uid}, the image says {uid}")
    h = subprocess.run(drop + mapped(health_cmd), env=env, capture_output=True, text=True, timeout=30)
    if h.returncode != 0:
        fail(f"the HEALTHCHECK command failed: {h.stderr}")
    s, body = call(port, "Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&VpcId=vpc-1&SecurityGroupName=kept")
    if s != 200:
        fail(f"CreateSecurityGroup answered {s}: {body}")
    sg = body["SecurityGroupId"]
    # HTTPS on the same port, verified against the CA the image wrote into /data.
    if not os.path.exists(ca_file):
        fail(f"the image did not write its CA certificate to {final['env']['SGMOCK_TLS_CA_OUT']}")
    with open(ca_file) as f:
        ca = f.read()
    s, body = call(port, f"Action=DescribeSecurityGroupAttribute&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}", cafile=ca_file)
    if s != 200 or body.get("SecurityGroupId") != sg:
        fail(f"HTTPS with the image's CA answered {s}: {body}")
    s, body = call(port, f"Action=AuthorizeSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}&IpProtocol=tcp&PortRange=22/22&SourceCidrIp=10.0.0.0/8")
    if s != 200:
        fail(f"AuthorizeSecurityGroup answered {s}: {body}")
    # A restart (as `docker restart` sends SIGTERM) keeps the write on the volume.
    p.send_signal(signal.SIGTERM)
    if p.wait(timeout=30) != 0:
        fail(f"the stop exited {p.returncode}: {p.stderr.read()}")
    p, _ = start()
    # The CA is kept with the state: clients that trusted it still do.
    with open(ca_file) as f:
        if f.read() != ca:
            fail("the CA certificate changed across a restart with --state-file on the volume")
    s, body = call(port, f"Action=DescribeSecurityGroupAttribute&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}", cafile=ca_file)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    if s != 200 or [r["PortRange"] for r in body["Permissions"]["Permission"]] != ["22/22"]:
        fail(f"after a restart the volume's state is not there: {s} {body}")
    shutil.rmtree(volume, ignore_errors=True)
    return ready, uid, port


# ---------------------------------------------------------------- with a daemon


def with_daemon():
    tag = "sgmock:check-image"
    vol = "sgmock-check-image"
    name = "sgmock-check-image"
    def sh(*a, check=True):
        r = subprocess.run(list(a), capture_output=True, text=True)
        if check and r.returncode != 0:
            fail(f"{' '.join(a)}: {r.stderr.strip()}")
        return r.stdout.strip()
    print("check-image: a Docker daemon answers: docker build", flush=True)
    if subprocess.run(["docker", "build", "-t", tag, ROOT]).returncode != 0:
        fail("docker build failed")
    size = int(sh("docker", "image", "inspect", "--format", "{{.Size}}", tag))
    sh("docker", "rm", "-f", name, check=False)
    sh("docker", "volume", "rm", "-f", vol, check=False)
    try:
        sh("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8080", "-v", f"{vol}:/data", tag, "--state-file", "/data/state.json")
        deadline = time.time() + 60
        while sh("docker", "inspect", "--format", "{{.State.Health.Status}}", name) != "healthy":
            if time.time() > deadline:
                fail("the container never reported healthy")
            time.sleep(0.5)
        port = int(sh("docker", "port", name, "8080/tcp").splitlines()[0].rsplit(":", 1)[1])
        sg = sdk_calls(port)
        # HTTPS on the same published port, trusting the CA the container wrote into /data.
        ca_dir = tempfile.mkdtemp(prefix="sgmock-ca-")
        sh("docker", "cp", f"{name}:/data/sgmock-ca.pem", ca_dir)
        s, body = call(port, f"Action=DescribeSecurityGroupAttribute&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}",
                       cafile=os.path.join(ca_dir, "sgmock-ca.pem"))
        shutil.rmtree(ca_dir, ignore_errors=True)
        if s != 200:
            fail(f"HTTPS through the published port answered {s}: {body}")
        sh("docker", "restart", name)
        deadline = time.time() + 60
        while sh("docker", "inspect", "--format", "{{.State.Health.Status}}", name) != "healthy":
            if time.time() > deadline:
                fail("the restarted container never reported healthy")
            time.sleep(0.5)
        port = int(sh("docker", "port", name, "8080/tcp").splitlines()[0].rsplit(":", 1)[1])
        s, body = call(port, f"Action=DescribeSecurityGroupAttribute&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}")
        if s != 200:
            fail(f"after a restart the volume's group is gone: {body}")
    finally:
        sh("docker", "rm", "-f", name, check=False)
        sh("docker", "volume", "rm", "-f", vol, check=False)
    print(f"check-image: ok — built and ran the image with Docker: healthy, SDK calls through the published port over HTTP and HTTPS, state on a volume survived a restart; image size {size / 1e6:.1f} MB")


def sdk_calls(port):
    """Calls with the official Python SDK when the SDK suite's venv has it, else plain HTTP."""
    venv_python = os.path.join(ROOT, "target", "sdk-venv", "bin", "python")
    if os.path.exists(venv_python):
        code = f"""
from alibabacloud_ecs20140526.client import Client
from alibabacloud_ecs20140526 import models
from alibabacloud_tea_openapi import utils_models as m
c = Client(m.Config(access_key_id='a', access_key_secret='b', endpoint='127.0.0.1:{port}', protocol='http'))
sg = c.create_security_group(models.CreateSecurityGroupRequest(region_id='cn-hangzhou', vpc_id='vpc-1')).body.security_group_id
print(sg)
"""
        r = subprocess.run([venv_python, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"SDK call through the published port failed: {r.stderr}")
        return r.stdout.strip()
    s, body = call(port, "Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&VpcId=vpc-1")
    if s != 200:
        fail(f"CreateSecurityGroup through the published port: {s} {body}")
    return body["SecurityGroupId"]


# ---------------------------------------------------------------- main


def daemon_reachable():
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


# The Dockerfile as it was before the build stage copied the whole context: it misses tools/ (a
# workspace member) and benches/, which the manifest names, so `cargo build` stops at the manifest.
BROKEN = """FROM rust:1.95.0-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin sgmock && mkdir -p data
FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
COPY --from=build /src/target/release/sgmock /usr/local/bin/sgmock
USER nonroot
ENTRYPOINT ["/usr/local/bin/sgmock"]
"""


def self_test():
    """The check must fail on a Dockerfile that cannot build (it once could not, unseen)."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in context_files(ROOT):
            copy_into(os.path.join(ROOT, f), os.path.join(tmp, f))
        shutil.copy2(os.path.join(ROOT, ".dockerignore"), os.path.join(tmp, ".dockerignore"))
        open(os.path.join(tmp, "Dockerfile"), "w").write(BROKEN)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--context", tmp],
                           capture_output=True, text=True)
    out = r.stdout + r.stderr
    stopped = ["failed to load manifest for workspace member", "can't find `domain` bench"]
    if r.returncode == 0 or not any(why in out for why in stopped):
        fail(f"the check passed a Dockerfile that cannot build (exit {r.returncode}):\n{out}")
    print("check-image: self-test ok — a Dockerfile that copies only src/ fails the check "
          "(the manifest names files it left out)")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--self-test"]:
        self_test()
        return
    if args[:1] == ["--runtime-phase"]:
        # Inside the private network namespace: loopback up, then run.
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        root = args[1]
        final = json.loads(args[2])
        ready, uid, port = run_phase(root, final, isolated=True)
        print(json.dumps({"ready": ready, "uid": uid, "port": port}))
        return
    context = ROOT
    dockerfile = os.path.join(ROOT, "Dockerfile")
    if args[:1] == ["--context"]:
        context, dockerfile = args[1], os.path.join(args[1], "Dockerfile")
    elif "--no-daemon" not in args and daemon_reachable():
        with_daemon()
        return
    stages = parse_dockerfile(dockerfile)
    print(f"check-image: no Docker daemon here: emulating the build of {os.path.relpath(dockerfile, ROOT) if dockerfile.startswith(ROOT) else dockerfile}", flush=True)
    files = context_files(context)
    print(f"check-image: build context: {len(files)} files after .dockerignore", flush=True)
    roots, final = emulate(context, stages, os.path.join(WORK, "cargo-target"))
    root = roots[final["name"]]
    binary = in_root(root, exec_form(final.get("entrypoint", "[]"), "ENTRYPOINT")[0])
    size = os.path.getsize(binary)
    isolated = os.geteuid() == 0 and shutil.which("unshare") and shutil.which("setpriv") and \
        subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    final_json = json.dumps({k: v for k, v in final.items() if k != "ops"})
    if isolated:
        r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__), "--runtime-phase", root, final_json],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            sys.exit(1)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        how = (f"as uid {out['uid']} with the image's ENV ({out['ready']}) in a private network "
               f"namespace")
    else:
        ready, uid, port = run_phase(root, final, isolated=False)
        how = (f"as uid {os.geteuid()} (not root: could not switch to the image's uid {uid} or "
               f"isolate the network), listening on 127.0.0.1:{port} instead of the image's address")
    print(f"check-image: ok — no Docker daemon, so emulated: the context as .dockerignore leaves it, the "
          f"build stage's RUN, then the runtime stage's files run {how}: ENTRYPOINT started, HEALTHCHECK "
          f"passed, API calls answered over HTTP and over HTTPS (strictly verified against the CA it wrote into /data), --state-file and the CA on /data survived a restart. The binary is "
          f"{size / 1e6:.1f} MB; the image adds it to the distroless/cc base (glibc, libgcc, CA certificates).")


if __name__ == "__main__":
    main()
