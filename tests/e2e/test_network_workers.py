"""Issue 14 §2 across a network: two `ai-trader worker` processes run in network namespaces of their own (ip netns +
veth: separate hosts as far as the network goes) and share one job on a PostgreSQL server that listens only on the
veth addresses. Mid-job one worker's link is cut (it hangs, silent, holding leases): its leases run out, the other
worker runs those days again and finishes the job, every model-day committed once and every ledger continuous."""

from __future__ import annotations

import signal
import subprocess
import uuid

import pytest

from . import netns
from .server import BIN, env_for
from .workers import assert_once_and_continuous, leases_after, live, stack, store_of, until

pytestmark = pytest.mark.slow

LEASE_S = 5


@pytest.fixture(scope="module")
def network():
    pg_bin = netns.require()
    with netns.hosts(2) as hosts, netns.postgres_on(pg_bin, [h.server_ip for h in hosts]) as port:
        yield hosts, port


@pytest.fixture
def database_url(network):
    """A fresh database on the private server, as this (the API's) side reaches it (e2e_root copies the data in)."""
    hosts, port = network
    return netns.create_database(hosts[0].server_ip, port, f"arena_{uuid.uuid4().hex[:10]}")


def _worker(root, host: netns.Host, url: str, n: int) -> subprocess.Popen:
    log = open(root / f"worker-{n}.log", "ab")  # noqa: SIM115  (the child holds it)
    env = {**env_for(root), "DATABASE_URL": url, "WORKER_LEASE_SECONDS": str(LEASE_S)}
    proc = subprocess.Popen(host.run(str(BIN), "worker"), env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def test_a_worker_cut_off_the_network_mid_job_loses_its_days_to_a_worker_on_another_host(
    e2e_root, database_url, network
):
    hosts, _ = network
    server, request = stack(e2e_root, database_url, 4, 300, "2025-07-08")
    store = store_of(e2e_root, database_url)
    at = [database_url.replace(hosts[0].server_ip, h.server_ip) for h in hosts]
    cut_off, other = (_worker(e2e_root, h, url, i) for i, (h, url) in enumerate(zip(hosts, at, strict=True)))
    try:
        until(lambda: len(live(server)) == 2, 60, "both workers live, each from its own namespace")
        resp = server.http.post("/simulate/trigger", json=request)
        assert resp.status_code == 202, resp.text
        job_id, total = resp.json()["job_id"], resp.json()["total_model_days"]
        held = leases_after(server, job_id, cut_off, 2)
        hosts[0].cut()  # its connection to the store hangs: no error, no heartbeat, only the lease can tell
        done = server.wait_job(job_id, timeout=240)
        assert done["status"] == "completed" and done["progress"]["completed"] == total, done["progress"]
        after = assert_once_and_continuous(store, job_id, [f"m{i}" for i in range(4)])
        with store.read() as conn:
            (day,) = conn.execute(
                "SELECT id FROM job_details WHERE job_id = ? AND model = ? AND date = ?",
                (job_id, held[0]["model"], held[0]["date"]),
            ).fetchone()
        attempts, finisher = after[day]
        assert f":{other.pid}:" in (finisher or ""), "the day the cut-off worker held was finished on the other host"
        assert attempts >= 2, "it ran again from its start"
    finally:
        cut_off.send_signal(signal.SIGKILL)  # it may be stuck in a socket read: no graceful stop to wait for
        other.terminate()
        for p in (cut_off, other):
            p.wait(timeout=60)
        hosts[0].mend()
        store.close()
        server.stop()
