"""
wsb's Locust load (suites/throughput/locust/): a closed loop of FastHttpUsers,
each sending the plan's requests in turn as fast as the answers come, every
response checked against the expected status and body digest of the
manifest. A wrong answer or no answer is a failure (response.failure), never
throughput.

This file is a template: plan.ts writes the plan (URLs, requests, expected
responses, duration) into PLAN_BASE64 when it generates the locustfile of a
run, so the generated file is self-contained and a worker on another machine
can take it from the master (`locust --worker -f -`, what `wsb load-worker`
runs).

The master times the run, not Locust's --run-time. A worker says
`wsb-running` at its first request; once every worker runs, the master sends
`wsb-mark` (each worker notes its counts, clock and CPU time: the measured
window starts there, the same moment for all, ramp-up left out), waits the
plan's duration and sends `wsb-flush`: a worker stops its users, sends its
last statistics (so Locust's totals on the master are complete) and then its
own counts (`wsb-counts`, on the same ordered connection). The master writes
the counts to $WSB_LOCUST_COUNTS and quits, which tells the workers to quit.

Lines on stdout for `wsb load-worker`: {"wsb": "connected"} at the master's
first heartbeat, {"wsb": "started"} when a run starts on this worker,
{"wsb": "final"} when the master said no run follows, {"wsb": "master-lost"}
before a worker exits because its master stopped answering (a worker that
reached a master as it was quitting must not wait Locust's 60 s for it).
With $WSB_PARENT_PID set, a process whose parent is gone exits (no orphan
keeps loading a target).
"""
import base64
import hashlib
import json
import os
import time

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

PLAN_BASE64 = None  # wsb:plan (replaced by plan.ts)

PLAN = json.loads(base64.b64decode(PLAN_BASE64)) if PLAN_BASE64 else None
if PLAN is None:
    raise RuntimeError("this is wsb's locustfile template: generate a run's locustfile with suites/throughput/locust/plan.ts")

REQUESTS = [
    {
        "name": entry["name"],
        "method": entry["method"],
        "url": entry["url"],
        "headers": entry["headers"],
        "body": base64.b64decode(entry["bodyBase64"]) or None,
        "status": entry["status"],
        "sha256": entry["bodySha256"],
    }
    for entry in PLAN["requests"]
]

# This worker's own counts, independent of Locust's statistics (the bench checks that they add up).
COUNTS = {"requests": 0, "ok": 0, "errors": 0, "non2xx": 0, "mismatches": 0, "firstFailure": None, "firstStart": None, "lastEnd": None, "cpuStart": None, "cpuEnd": None, "mark": None}


def fail(response, kind, message):
    COUNTS[kind] += 1
    if COUNTS["firstFailure"] is None:
        COUNTS["firstFailure"] = message
    response.failure(message)


def say(event):
    print(json.dumps({"wsb": event}), flush=True)


class WsbUser(FastHttpUser):
    wait_time = constant(0)
    host = PLAN["host"]
    users_started = 0

    def on_start(self):
        # Users start at different requests of the plan, so a mix spreads over its apps from the first second.
        self.next_index = WsbUser.users_started
        WsbUser.users_started += 1

    @task
    def send(self):
        entry = REQUESTS[self.next_index % len(REQUESTS)]
        self.next_index += 1
        started = time.time()
        if COUNTS["firstStart"] is None:
            COUNTS["firstStart"] = started
            COUNTS["cpuStart"] = time.process_time()
            self.environment.runner.send_message("wsb-running")
        with self.client.request(entry["method"], entry["url"], name=entry["name"], headers=entry["headers"], data=entry["body"], catch_response=True) as response:
            COUNTS["requests"] += 1
            COUNTS["lastEnd"] = time.time()
            if not response.status_code:
                fail(response, "errors", f"no answer: {type(response.error).__name__}: {response.error}")
                return
            body = response.content or b""
            digest = hashlib.sha256(body).hexdigest()
            if response.status_code == entry["status"] and digest == entry["sha256"]:
                COUNTS["ok"] += 1
                response.success()
                return
            kind = "mismatches" if 200 <= response.status_code < 300 else "non2xx"
            fail(response, kind, f"wrong answer: status {response.status_code}, body sha256 {digest[:12]} ({len(body)} bytes), expected status {entry['status']}, body sha256 {entry['sha256'][:12]}")


def watch_parent(parent_pid):
    while True:
        gevent.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(3)


MASTER_SILENCE_SECONDS = 10
LAST_HEARTBEAT = []


def on_heartbeat(timestamp, **_kwargs):
    if not LAST_HEARTBEAT:
        say("connected")
    LAST_HEARTBEAT[:] = [timestamp]


def watch_master():
    while True:
        gevent.sleep(1)
        if LAST_HEARTBEAT and time.time() - LAST_HEARTBEAT[0] > MASTER_SILENCE_SECONDS:
            say("master-lost")
            os._exit(4)


@events.init.add_listener
def on_init(environment, **_kwargs):
    parent = os.environ.get("WSB_PARENT_PID")
    if parent:
        gevent.spawn(watch_parent, int(parent))
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message("wsb-mark", on_mark)
        runner.register_message("wsb-flush", on_flush)
        environment.events.heartbeat_received.add_listener(on_heartbeat)
        gevent.spawn(watch_master)
    if isinstance(runner, MasterRunner):
        runner.register_message("wsb-running", on_running)
        runner.register_message("wsb-counts", on_counts)


@events.test_start.add_listener
def on_test_start(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        say("started")
    if isinstance(runner, MasterRunner):
        gevent.spawn(finish_after_duration, environment)


def on_mark(environment, msg, **_kwargs):
    COUNTS["mark"] = {"requests": COUNTS["requests"], "ok": COUNTS["ok"], "time": time.time(), "cpu": time.process_time()}


def on_flush(environment, msg, **_kwargs):
    runner = environment.runner
    runner.stop()
    COUNTS["cpuEnd"] = time.process_time()
    # Locust's last statistics first: the master has all of them when the counts arrive (one ordered connection).
    runner._send_stats()
    runner.send_message("wsb-counts", {**COUNTS, "index": getattr(runner, "worker_index", -1)})
    if msg.data and msg.data.get("final"):
        say("final")


RUNNING = set()
ALL_RUNNING = Event()
ANSWERS = {}
ALL_ANSWERED = Event()
EXPECTED = set()


def on_running(environment, msg, **_kwargs):
    RUNNING.add(msg.node_id)
    if len(RUNNING) >= environment.parsed_options.expect_workers:
        ALL_RUNNING.set()


def on_counts(environment, msg, **_kwargs):
    ANSWERS[msg.node_id] = msg.data
    if set(ANSWERS) >= EXPECTED:
        ALL_ANSWERED.set()


def finish_after_duration(environment):
    runner = environment.runner
    # A worker that never runs is reported by its counts (no mark, no requests), not waited for forever.
    ALL_RUNNING.wait(timeout=PLAN["flushTimeoutSeconds"])
    runner.send_message("wsb-mark")
    gevent.sleep(PLAN["durationSeconds"])
    EXPECTED.update(client.id for client in runner.clients.all)
    runner.send_message("wsb-flush", {"final": PLAN["final"]})
    ALL_ANSWERED.wait(timeout=PLAN["flushTimeoutSeconds"])
    workers = [{"id": node_id, **counts} for node_id, counts in sorted(ANSWERS.items(), key=lambda item: item[1].get("index", 0))]
    with open(os.environ["WSB_LOCUST_COUNTS"], "w", encoding="utf-8") as out:
        json.dump({"expected": len(EXPECTED), "workers": workers}, out)
    runner.quit()
