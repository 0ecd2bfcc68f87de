"""Engine host for the `wasm-wasmtime` runner: Wasmtime through its official
Python embedding (the `wasmtime` package from PyPI), driven by Node over the
engine-host protocol on stdin/stdout (runners/engine-host.ts documents it).

Every module is compiled once (or deserialized from the artifact cache); every
cold request gets a FRESH Store and instance, with WASI grants given
explicitly (argv, env, preopened dirs, stdin bytes) and nothing else, a
deadline by epoch interruption and a memory cap by Store limits. Timings are
taken here with time.perf_counter_ns so they do not include the pipe to Node.

Usage: host.py --config pooling=off|pooling=on --max-memory-mib N [--cache-dir DIR]
"""

import argparse
import ctypes
import hashlib
import json
import os
import queue
import struct
import sys
import threading
import time

import wasmtime
from wasmtime import _ffi as ffi

STDERR_CAP_BYTES = 4096
STDOUT_CAP_BYTES = 16 * 1024 * 1024


def read_exact(stream, size):
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_message(stream):
    head = read_exact(stream, 4)
    if head is None:
        return None
    header = json.loads(read_exact(stream, struct.unpack("<I", head)[0]))
    payload = read_exact(stream, struct.unpack("<I", read_exact(stream, 4))[0])
    return header, payload


def write_message(stream, header, payload=b""):
    encoded = json.dumps(header).encode("utf-8")
    stream.write(struct.pack("<I", len(encoded)) + encoded + struct.pack("<I", len(payload)) + payload)
    stream.flush()


def make_engine(pooling, max_memory_bytes):
    config = wasmtime.Config()
    # Deadlines by epoch interruption: cheaper in generated code than fuel metering.
    config.epoch_interruption = True
    if pooling:
        # The high-level Config does not wrap the pooling allocator; the package's own ctypes bindings do.
        pool = ffi.wasmtime_pooling_allocation_config_new()
        ffi.wasmtime_pooling_allocation_config_total_core_instances_set(pool, 64)
        ffi.wasmtime_pooling_allocation_config_total_memories_set(pool, 64)
        ffi.wasmtime_pooling_allocation_config_total_tables_set(pool, 64)
        ffi.wasmtime_pooling_allocation_config_max_memory_size_set(pool, max_memory_bytes)
        ffi.wasmtime_pooling_allocation_strategy_set(config.ptr(), pool)
        ffi.wasmtime_pooling_allocation_config_delete(pool)
    return wasmtime.Engine(config)


class Deadline:
    """Bumps the engine's epoch once a request runs past its deadline, and
    only while that request is still running (requests run one at a time)."""

    def __init__(self, engine):
        self.engine = engine
        self.lock = threading.Lock()
        self.running = 0
        self.expired = False

    def start(self, request_id, deadline_ms):
        with self.lock:
            self.running = request_id
            self.expired = False
        timer = threading.Timer(deadline_ms / 1000.0, self._fire, (request_id,))
        timer.daemon = True
        timer.start()
        return timer

    def _fire(self, request_id):
        with self.lock:
            if self.running == request_id:
                self.expired = True
                self.engine.increment_epoch()

    def stop(self, timer):
        timer.cancel()
        with self.lock:
            self.running = 0
            return self.expired


class Output:
    """Collects a guest stream in memory, up to a cap."""

    def __init__(self, cap):
        self.cap = cap
        self.chunks = []
        self.size = 0
        self.truncated = False

    def write(self, data):
        room = self.cap - self.size
        if room > 0:
            self.chunks.append(data[:room])
            self.size += min(room, len(data))
        if len(data) > room:
            self.truncated = True
        return len(data)

    def value(self):
        return b"".join(self.chunks)


def wasi_config(args, env, dirs, stdin, stdout, stderr):
    """A WASI context granting exactly what the request carries: no inherited stdio, env or dirs."""
    wasi = wasmtime.WasiConfig()
    wasi.argv = args
    wasi.env = [[key, value] for key, value in env.items()]
    for grant in dirs:
        wasi.preopen_dir(grant["hostPath"], grant["guestPath"], bool(grant.get("writable", False)))
    if isinstance(stdin, str):
        wasi.stdin_file = stdin
    else:
        vec = ffi.bytes_to_capi(stdin)
        ffi.wasi_config_set_stdin_bytes(wasi.ptr(), ctypes.byref(vec))
    wasi.stdout_custom = stdout.write
    wasi.stderr_custom = stderr.write
    return wasi


class Host:
    def __init__(self, pooling, max_memory_bytes, cache_dir):
        self.engine = make_engine(pooling, max_memory_bytes)
        self.config_name = "pooling=on" if pooling else "pooling=off"
        self.max_memory_bytes = max_memory_bytes
        self.cache_dir = cache_dir
        self.linker = wasmtime.Linker(self.engine)
        self.linker.define_wasi()
        self.modules = {}
        self.deadline = Deadline(self.engine)
        self.request_id = 0
        self.warm = None

    def load(self, header, payload):
        source = open(header["path"], "rb").read() if header.get("path") else payload
        digest = hashlib.sha256(source).hexdigest()
        artifact = None
        if self.cache_dir and header.get("useCache", True):
            artifact = os.path.join(self.cache_dir, f"wasmtime-{wasmtime_version()}-{self.config_name}-{digest}.cwasm")
        started = time.perf_counter_ns()
        if artifact and os.path.exists(artifact):
            module = wasmtime.Module.deserialize_file(self.engine, artifact)
            detail = "deserialized from the artifact cache"
        else:
            module = wasmtime.Module(self.engine, source)
            detail = "compiled by Cranelift"
            if artifact:
                os.makedirs(self.cache_dir, exist_ok=True)
                temp = f"{artifact}.{os.getpid()}.tmp"
                with open(temp, "wb") as out:
                    out.write(module.serialize())
                os.replace(temp, artifact)
        elapsed = time.perf_counter_ns() - started
        self.modules[header["app"]] = module
        return {"ok": True, "compileNs": elapsed, "detail": detail}, b""

    def store(self, deadline_ticks):
        store = wasmtime.Store(self.engine)
        store.set_limits(memory_size=self.max_memory_bytes)
        store.set_epoch_deadline(deadline_ticks)
        return store

    def invoke(self, header, payload):
        """Cold: a fresh Store and instance for this request only."""
        module = self.modules[header["app"]]
        stdout = Output(STDOUT_CAP_BYTES)
        stderr = Output(STDERR_CAP_BYTES)
        self.request_id += 1
        # L1 starts when the request is handed to the engine: from here to the collected response.
        invoke_started = time.perf_counter_ns()
        store = self.store(1)
        store.set_wasi(wasi_config(header["args"], header["env"], header["dirs"], payload, stdout, stderr))
        instance = self.linker.instantiate(store, module)
        instantiate_ns = time.perf_counter_ns() - invoke_started
        start = instance.exports(store)["_start"]
        timer = self.deadline.start(self.request_id, header["deadlineMs"])
        exit_code, trap = run_start(start, store)
        expired = self.deadline.stop(timer)
        body = stdout.value()
        invoke_ns = time.perf_counter_ns() - invoke_started
        if expired and trap is not None:
            trap = f"deadline of {header['deadlineMs']} ms exceeded ({trap})"
        return {
            "ok": True,
            "exitCode": exit_code,
            "trap": trap,
            "instantiateNs": instantiate_ns,
            "invokeNs": invoke_ns,
            "stdoutTruncated": stdout.truncated,
            "stderr": stderr.value().decode("utf-8", "replace"),
        }, body

    def warm_invoke(self, header, payload):
        """Warm: one instance in loop mode answers every request of the cell."""
        instantiate_ns = None
        invoke_started = time.perf_counter_ns()
        if self.warm is None or not self.warm.alive():
            self.warm = WarmInstance(self, header)
            instantiate_ns = self.warm.instantiate_ns
        answer, error = self.warm.request(payload, header["deadlineMs"])
        invoke_ns = time.perf_counter_ns() - invoke_started
        return {
            "ok": True,
            "exitCode": None,
            "trap": error,
            "instantiateNs": instantiate_ns,
            "invokeNs": invoke_ns,
            "stdoutTruncated": False,
            "stderr": self.warm.stderr.value().decode("utf-8", "replace") if error else "",
        }, answer or b""


class WarmInstance:
    """A loop-mode instance running `_start` in a thread, fed frames through a pipe."""

    def __init__(self, host, header):
        self.host = host
        self.frames = queue.Queue()
        self.pending = b""
        self.stderr = Output(STDERR_CAP_BYTES)
        read_fd, self.write_fd = os.pipe()
        started = time.perf_counter_ns()
        self.store = host.store(1)
        # The guest's stdin is the read end of the pipe, opened by path as WASI wants a file.
        host_stdin = f"/dev/fd/{read_fd}"
        self.store.set_wasi(wasi_config(header["args"], header["env"], header["dirs"], host_stdin, self, self.stderr))
        os.close(read_fd)
        instance = host.linker.instantiate(self.store, host.modules[header["app"]])
        self.instantiate_ns = time.perf_counter_ns() - started
        self.start = instance.exports(self.store)["_start"]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        exit_code, trap = run_start(self.start, self.store)
        self.frames.put(trap or f"the warm instance ended with exit code {exit_code} before answering")

    def write(self, data):
        self.pending += data
        while len(self.pending) >= 4:
            length = struct.unpack("<I", self.pending[:4])[0]
            if len(self.pending) < 4 + length:
                break
            self.frames.put(bytes(self.pending[4:4 + length]))
            self.pending = self.pending[4 + length:]
        return len(data)

    def alive(self):
        return self.thread.is_alive()

    def request(self, frame, deadline_ms):
        os.write(self.write_fd, frame)
        try:
            answer = self.frames.get(timeout=deadline_ms / 1000.0)
        except queue.Empty:
            # The warm store's epoch deadline is 1 tick: bumping the epoch traps it.
            self.host.engine.increment_epoch()
            self.thread.join()
            os.close(self.write_fd)
            return None, f"deadline of {deadline_ms} ms exceeded"
        if isinstance(answer, bytes):
            return answer, None
        os.close(self.write_fd)
        return None, answer

    def close(self):
        os.close(self.write_fd)
        self.thread.join(timeout=5)


def run_start(start, store):
    """Runs `_start`; returns (exit code, trap message or None)."""
    try:
        start(store)
        return 0, None
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code, None
    except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
        return None, str(error).split("\n")[0]


def wasmtime_version():
    from importlib.metadata import version
    return version("wasmtime")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="pooling=off", choices=["pooling=off", "pooling=on"])
    parser.add_argument("--max-memory-mib", type=int, default=256)
    parser.add_argument("--cache-dir", default="")
    options = parser.parse_args()
    host = Host(options.config == "pooling=on", options.max_memory_mib * 1024 * 1024, options.cache_dir)
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    write_message(stdout, {"ok": True, "engine": f"wasmtime {wasmtime_version()} (Python embedding)", "config": host.config_name})
    handlers = {"load": host.load, "invoke": host.invoke, "warm": host.warm_invoke}
    while True:
        message = read_message(stdin)
        if message is None:
            break
        header, payload = message
        try:
            answer, body = handlers[header["op"]](header, payload)
        except Exception as error:  # One failed request must not take the host down.
            answer, body = {"ok": False, "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}, b""
        write_message(stdout, answer, body)
    if host.warm is not None and host.warm.alive():
        host.warm.close()
    # Skip interpreter finalization: tearing down the engine's runtime threads from Python's exit path can panic.
    os._exit(0)


if __name__ == "__main__":
    main()
