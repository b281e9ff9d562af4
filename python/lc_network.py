"""Addresses on a real cluster network, for the session scheduler and its workers.

On a cluster every node has its own address and its own loopback. A process that binds to a
name which happens to resolve to 127.0.0.1 (Debian maps its own hostname to 127.0.1.1) is
unreachable from every other node, and Dask would only say so after a 60 s connect timeout.
So the address is chosen deliberately, and a worker checks that it can reach the scheduler
before it starts, reporting at once what failed.
"""
import ipaddress
import json
import os
import socket
import time

UNREACHABLE_VERSION = 1


def is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "localhost.localdomain")


def _route_source(target):
    """The local address this host uses to reach `target` (a UDP connect sends no packet)."""
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((target, 9))
        return s.getsockname()[0]


def reachable_host(env=None):
    """This node's address as the rest of the job reaches it, or None if only loopback is known.

    First choice: the source address of the route to the host that launched this SLURM step
    (where lc runs, so the bridge reaches it; the workers are on the same network). Then the
    node's name, unless it resolves to loopback.
    """
    env = os.environ if env is None else env
    launch = env.get("SLURM_LAUNCH_NODE_IPADDR", "").strip()
    if launch:
        try:
            addr = _route_source(launch)
            if not is_loopback(addr) or is_loopback(launch):
                return addr
        except OSError:
            pass
    name = env.get("SLURMD_NODENAME") or socket.gethostname()
    try:
        addr = socket.gethostbyname(name)
    except OSError:
        return None
    return None if is_loopback(addr) else addr


def split_address(address):
    """('host', port) of a Dask address such as tls://10.0.0.1:8786 or tls://[::1]:8786."""
    rest = address.split("://", 1)[-1]
    host, _, port = rest.rpartition(":")
    return host.strip("[]"), int(port)


def _tls_context(tls_dir):
    import ssl

    ctx = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.pem"))
    ctx.check_hostname = False  # as Dask: the session's own CA is what is trusted
    ctx.load_cert_chain(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem"))
    return ctx


def check_reachable(address, tls_dir=None, timeout_s=3.0):
    """None when a connection to the scheduler opens (with the session's TLS handshake, so the
    scheduler logs no failed handshake) within timeout_s; else why not."""
    host, port = split_address(address)
    deadline = time.monotonic() + timeout_s
    ctx = _tls_context(tls_dir) if tls_dir else None
    while True:
        left = deadline - time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=max(0.5, left)) as sock:
                if ctx is not None:
                    with ctx.wrap_socket(sock, server_hostname=host):
                        pass
                return None
        except socket.timeout:
            return "timed out (packets dropped: a firewall, or an address on another network)"
        except OSError as e:
            why = e.strerror or str(e)
            if time.monotonic() + 0.5 >= deadline:
                return why
            time.sleep(0.5)  # the listener may come up a moment late; try again


def report_unreachable(state_dir, node, address, why):
    """Leave a record the supervisor reads: it stops the start and tells lc which node failed."""
    folder = os.path.join(state_dir, "unreachable")
    os.makedirs(folder, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in node) or "node"
    doc = {"version": UNREACHABLE_VERSION, "node": node, "address": address, "error": why,
           "at": time.time() * 1000.0}
    tmp = os.path.join(folder, f".{safe}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, os.path.join(folder, f"{safe}.json"))
