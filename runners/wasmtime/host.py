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
import select
import shutil
import struct
import sys
import tempfile
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
        ffi.wasmtime_pooling_allocation_config_total_tables_set(pool, 128)
        # Wasmtime's default of one table per module refuses modules with a second (function-pointer) table.
        ffi.wasmtime_pooling_allocation_config_max_tables_per_module_set(pool, 4)
        ffi.wasmtime_pooling_allocation_config_max_memory_size_set(pool, max_memory_bytes)
        ffi.wasmtime_pooling_allocation_strategy_set(config.ptr(), pool)
        ffi.wasmtime_pooling_allocation_config_delete(pool)
    return wasmtime.Engine(config)


class Deadline:
    """Bumps the engine's epoch once a request runs past its deadline, and
    only while that request is still running (requests run one at a time).
    One long-lived watcher thread: starting a timer thread per request costs
    about 0.1 ms, which would land in every L1 sample. The watcher is woken
    only when it sleeps past the new deadline (idle, or an earlier deadline
    was shorter): waking it for every request would have it compete for the
    GIL with the request it watches."""

    def __init__(self, engine):
        self.engine = engine
        self.condition = threading.Condition()
        self.until = None
        self.expired = False
        # When the watcher wakes next on its own; None while it waits for a notify.
        self.wake_at = None
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, deadline_ms):
        with self.condition:
            self.until = time.monotonic() + deadline_ms / 1000.0
            self.expired = False
            if self.wake_at is None or self.wake_at > self.until:
                self.condition.notify()

    def stop(self):
        with self.condition:
            self.until = None
            return self.expired

    def _watch(self):
        with self.condition:
            while True:
                if self.until is None:
                    self.wake_at = None
                    self.condition.wait()
                    continue
                remaining = self.until - time.monotonic()
                if remaining > 0:
                    self.wake_at = self.until
                    self.condition.wait(remaining)
                    continue
                self.expired = True
                self.until = None
                self.engine.increment_epoch()


class CapturedFile:
    """A guest output file, read back through one descriptor kept open:
    Wasmtime opens the path afresh (created, truncated) for every request,
    and the file's size says how much that request wrote."""

    def __init__(self, path):
        self.path = path
        open(path, "wb").close()
        self.fd = os.open(path, os.O_RDONLY)

    def read(self, cap):
        size = os.fstat(self.fd).st_size
        return (os.pread(self.fd, min(size, cap), 0) if size else b""), size > cap


def export_func(store, instance, name):
    """One exported function by name, or None; Instance.exports() would wrap every export first."""
    item = ffi.wasmtime_extern_t()
    raw = name.encode("utf-8")
    found = ffi.wasmtime_instance_export_get(store._context(), ctypes.byref(instance._instance), raw, len(raw), ctypes.byref(item))
    if not found or item.kind != ffi.WASMTIME_EXTERN_FUNC.value:
        return None
    return wasmtime.Func._from_raw(item.of.func)


def wasi_config(args, env, dirs, stdin, stdout, stderr):
    """A WASI context granting exactly what the request carries: no inherited stdio, env or dirs.
    stdin is bytes or a file path; stdout and stderr are file paths (a tmpfs where there is one):
    a Python callback per guest write costs about 0.4 ms per request, files far less."""
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
    wasi.stdout_file = stdout
    wasi.stderr_file = stderr
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
        self.warm = None
        scratch_root = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
        self.scratch = tempfile.mkdtemp(prefix="wsb-wasmtime-", dir=scratch_root)
        self.stdout_path = os.path.join(self.scratch, "stdout")
        self.stderr_path = os.path.join(self.scratch, "stderr")
        self.stdout = CapturedFile(self.stdout_path)
        self.stderr = CapturedFile(self.stderr_path)

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
        # Imports resolved once per module, as Spin does with InstancePre: per request only instantiation is left.
        self.modules[header["app"]] = self.linker.instantiate_pre(module)
        return {"ok": True, "compileNs": elapsed, "detail": detail}, b""

    def store(self, deadline_ticks):
        store = wasmtime.Store(self.engine)
        store.set_limits(memory_size=self.max_memory_bytes)
        store.set_epoch_deadline(deadline_ticks)
        return store

    def invoke(self, header, payload):
        """Cold: a fresh Store and instance for this request only."""
        pre = self.modules[header["app"]]
        # L1 starts when the request is handed to the engine: from here to the collected response.
        invoke_started = time.perf_counter_ns()
        store = self.store(1)
        store.set_wasi(wasi_config(header["args"], header["env"], header["dirs"], payload, self.stdout_path, self.stderr_path))
        instance = pre.instantiate(store)
        instantiate_ns = time.perf_counter_ns() - invoke_started
        start = export_func(store, instance, "_start")
        if start is None:
            return {"ok": True, "exitCode": None, "trap": "the module exports no _start function", "instantiateNs": instantiate_ns, "invokeNs": time.perf_counter_ns() - invoke_started, "stdoutTruncated": False, "stderr": ""}, b""
        self.deadline.start(header["deadlineMs"])
        exit_code, trap = run_start(start, store)
        expired = self.deadline.stop()
        body, truncated = self.stdout.read(STDOUT_CAP_BYTES)
        invoke_ns = time.perf_counter_ns() - invoke_started
        if expired and trap is not None:
            trap = f"deadline of {header['deadlineMs']} ms exceeded ({trap})"
        return {
            "ok": True,
            "exitCode": exit_code,
            "trap": trap,
            "instantiateNs": instantiate_ns,
            "invokeNs": invoke_ns,
            "stdoutTruncated": truncated,
            "stderr": self.stderr.read(STDERR_CAP_BYTES)[0].decode("utf-8", "replace"),
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
            "stderr": self.stderr.read(STDERR_CAP_BYTES)[0].decode("utf-8", "replace") if error else "",
        }, answer or b""


class WarmInstance:
    """A loop-mode instance running `_start` in a thread; request frames go in
    through a pipe on its stdin, response frames come out of a pipe on its stdout."""

    def __init__(self, host, header):
        self.host = host
        self.ended = queue.Queue()
        stdin_read, self.stdin_write = os.pipe()
        self.stdout_read, stdout_write = os.pipe()
        started = time.perf_counter_ns()
        self.store = host.store(1)
        # WASI takes files by path: the pipes are opened through /dev/fd.
        self.store.set_wasi(wasi_config(header["args"], header["env"], header["dirs"], f"/dev/fd/{stdin_read}", f"/dev/fd/{stdout_write}", host.stderr_path))
        os.close(stdin_read)
        os.close(stdout_write)
        instance = host.modules[header["app"]].instantiate(self.store)
        self.instantiate_ns = time.perf_counter_ns() - started
        self.start = export_func(self.store, instance, "_start")
        if self.start is None:
            raise wasmtime.WasmtimeError("the module exports no _start function")
        self.pending = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        exit_code, trap = run_start(self.start, self.store)
        # Dropping the store closes the guest's end of the stdout pipe, so a waiting read sees the end.
        self.store = None
        self.ended.put(trap or f"the warm instance ended with exit code {exit_code} before answering")

    def alive(self):
        return self.thread.is_alive()

    def _frame(self):
        if len(self.pending) >= 4:
            length = struct.unpack("<I", self.pending[:4])[0]
            if len(self.pending) >= 4 + length:
                frame = self.pending[4:4 + length]
                self.pending = self.pending[4 + length:]
                return frame
        return None

    def request(self, frame, deadline_ms):
        os.write(self.stdin_write, frame)
        until = time.monotonic() + deadline_ms / 1000.0
        while True:
            answer = self._frame()
            if answer is not None:
                return answer, None
            remaining = until - time.monotonic()
            readable = select.select([self.stdout_read], [], [], max(remaining, 0))[0] if remaining > 0 else []
            if not readable:
                # The warm store's epoch deadline is 1 tick: bumping the epoch traps it.
                self.host.engine.increment_epoch()
                self.thread.join()
                self.close()
                return None, f"deadline of {deadline_ms} ms exceeded"
            chunk = os.read(self.stdout_read, 65536)
            if not chunk:
                self.thread.join()
                self.close()
                return None, self.ended.get()
            self.pending += chunk

    def close(self):
        for fd in (self.stdin_write, self.stdout_read):
            try:
                os.close(fd)
            except OSError:
                pass
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
    shutil.rmtree(host.scratch, ignore_errors=True)
    # Skip interpreter finalization: tearing down the engine's runtime threads from Python's exit path can panic.
    os._exit(0)


if __name__ == "__main__":
    main()
