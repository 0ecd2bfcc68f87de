// Command wsb-wazero-host is the engine host of the `wasm-wazero` runner:
// wazero (a pure-Go WebAssembly runtime) driven by Node over the engine-host
// protocol on stdin/stdout (runners/engine-host.ts documents it).
//
// Every module is compiled once (with wazero's on-disk compilation cache,
// unless the load says useCache: false); every cold request gets a FRESH
// module instance with WASI grants given explicitly (args, env, mounted dirs,
// stdin bytes) and nothing else, a deadline through its context and the
// runtime's memory limit. Timings are taken here, so they do not include the
// pipe to Node.
//
// Deadlines need WithCloseOnContextDone, wazero's only way to stop a running
// guest: its compiler then calls out to Go at every loop iteration to check
// the context, which makes loop-heavy code several times slower (runners/
// ENGINES.md has the figures). --close-on-context-done=false compiles without
// the checks, for measuring what they cost: a guest past its deadline then
// cannot be stopped (Node kills the host after the deadline and its grace).
//
// Usage: wsb-wazero-host --config compiler --max-memory-mib N [--cache-dir DIR] [--close-on-context-done=false]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

const (
	wazeroVersion   = "v1.12.0"
	stderrCapBytes  = 4096
	stdoutCapBytes  = 16 << 20
	wasmPageBytes   = 65536
	deadlineMessage = "deadline of %d ms exceeded"
)

type dirGrant struct {
	HostPath  string `json:"hostPath"`
	GuestPath string `json:"guestPath"`
	Writable  bool   `json:"writable"`
}

type request struct {
	Op         string            `json:"op"`
	App        string            `json:"app"`
	Path       string            `json:"path"`
	UseCache   *bool             `json:"useCache"`
	Args       []string          `json:"args"`
	Env        map[string]string `json:"env"`
	Dirs       []dirGrant        `json:"dirs"`
	DeadlineMs int64             `json:"deadlineMs"`
}

type answer map[string]any

// cappedBuffer keeps at most cap bytes of a guest stream.
type cappedBuffer struct {
	buf       bytes.Buffer
	cap       int
	truncated bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	room := c.cap - c.buf.Len()
	if room > 0 {
		if len(p) <= room {
			c.buf.Write(p)
		} else {
			c.buf.Write(p[:room])
		}
	}
	if len(p) > room {
		c.truncated = true
	}
	return len(p), nil
}

// loadedModule is a compiled module and the runtime it must be instantiated in.
type loadedModule struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
}

type host struct {
	ctx         context.Context
	runtime     wazero.Runtime
	config      string
	memPages    uint32
	cacheDir    string
	closeOnDone bool
	// uncached compiles the modules loaded without the cache (a runtime's cache is part of its configuration).
	uncached wazero.Runtime
	modules  map[string]loadedModule
	warm     *warmInstance
}

func runtimeConfig(config string, memPages uint32, closeOnContextDone bool) wazero.RuntimeConfig {
	var rc wazero.RuntimeConfig
	if config == "interpreter" {
		rc = wazero.NewRuntimeConfigInterpreter()
	} else {
		rc = wazero.NewRuntimeConfigCompiler()
	}
	// Deadlines through the context: the guest is stopped when its context is done.
	return rc.WithCloseOnContextDone(closeOnContextDone).WithMemoryLimitPages(memPages)
}

func (h *host) load(req request, payload []byte) (answer, []byte, error) {
	source := payload
	if req.Path != "" {
		var err error
		if source, err = os.ReadFile(req.Path); err != nil {
			return nil, nil, err
		}
	}
	useCache := req.UseCache == nil || *req.UseCache
	runtime, detail := h.runtime, "compiled by wazero's "+h.config+" (compilation cache "+h.cacheDir+")"
	if !useCache || h.cacheDir == "" {
		// A compile from the bytes, nothing read from or written to the on-disk cache.
		if h.uncached == nil {
			h.uncached = wazero.NewRuntimeWithConfig(h.ctx, runtimeConfig(h.config, h.memPages, h.closeOnDone))
			wasi_snapshot_preview1.MustInstantiate(h.ctx, h.uncached)
		}
		runtime, detail = h.uncached, "compiled by wazero's "+h.config
	}
	started := time.Now()
	compiled, err := runtime.CompileModule(h.ctx, source)
	if err != nil {
		return nil, nil, err
	}
	compileNs := time.Since(started).Nanoseconds()
	h.modules[req.App] = loadedModule{runtime: runtime, compiled: compiled}
	return answer{"ok": true, "compileNs": compileNs, "detail": detail}, nil, nil
}

// moduleConfig grants exactly what the request carries: no inherited env, dirs or stdio.
func moduleConfig(req request, stdin io.Reader, stdout, stderr io.Writer) wazero.ModuleConfig {
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithArgs(req.Args...).
		WithStdin(stdin).
		WithStdout(stdout).
		WithStderr(stderr).
		// Real clocks and randomness, as Wasmtime's WASI gives them (wazero's defaults are fakes).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	for key, value := range req.Env {
		mc = mc.WithEnv(key, value)
	}
	if len(req.Dirs) > 0 {
		fs := wazero.NewFSConfig()
		for _, grant := range req.Dirs {
			if grant.Writable {
				fs = fs.WithDirMount(grant.HostPath, grant.GuestPath)
			} else {
				fs = fs.WithReadOnlyDirMount(grant.HostPath, grant.GuestPath)
			}
		}
		mc = mc.WithFSConfig(fs)
	}
	return mc
}

// runStart runs _start and returns the exit code (nil when it trapped) and the trap message.
func runStart(ctx context.Context, mod api.Module, deadlineMs int64) (any, any) {
	start := mod.ExportedFunction("_start")
	if start == nil {
		return nil, "the module exports no _start"
	}
	_, err := start.Call(ctx)
	if err == nil {
		return 0, nil
	}
	var exitErr *sys.ExitError
	if errors.As(err, &exitErr) {
		switch exitErr.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			return nil, fmt.Sprintf(deadlineMessage, deadlineMs)
		}
		return int(exitErr.ExitCode()), nil
	}
	return nil, strings.SplitN(err.Error(), "\n", 2)[0]
}

func (h *host) invoke(req request, payload []byte) (answer, []byte, error) {
	loaded, ok := h.modules[req.App]
	if !ok {
		return nil, nil, fmt.Errorf("no module loaded as %q", req.App)
	}
	stdout := &cappedBuffer{cap: stdoutCapBytes}
	stderr := &cappedBuffer{cap: stderrCapBytes}
	// L1 starts when the request is handed to the engine: from here to the collected response.
	invokeStarted := time.Now()
	ctx, cancel := context.WithTimeout(h.ctx, time.Duration(req.DeadlineMs)*time.Millisecond)
	defer cancel()
	mod, err := loaded.runtime.InstantiateModule(ctx, loaded.compiled, moduleConfig(req, bytes.NewReader(payload), stdout, stderr))
	if err != nil {
		return answer{"ok": true, "exitCode": nil, "trap": "instantiation failed: " + err.Error(), "instantiateNs": nil, "invokeNs": time.Since(invokeStarted).Nanoseconds(), "stderr": ""}, nil, nil
	}
	instantiateNs := time.Since(invokeStarted).Nanoseconds()
	exitCode, trap := runStart(ctx, mod, req.DeadlineMs)
	mod.Close(h.ctx)
	body := stdout.buf.Bytes()
	invokeNs := time.Since(invokeStarted).Nanoseconds()
	return answer{
		"ok": true, "exitCode": exitCode, "trap": trap, "instantiateNs": instantiateNs, "invokeNs": invokeNs,
		"stdoutTruncated": stdout.truncated, "stderr": stderr.buf.String(),
	}, body, nil
}

// warmInstance is a loop-mode instance running _start in a goroutine, fed frames through a pipe.
type warmInstance struct {
	stdin         *io.PipeWriter
	frames        chan []byte
	done          chan string
	cancel        context.CancelFunc
	pending       []byte
	stderr        *cappedBuffer
	instantiateNs int64
	alive         bool
}

func (w *warmInstance) Write(p []byte) (int, error) {
	w.pending = append(w.pending, p...)
	for len(w.pending) >= 4 {
		length := int(binary.LittleEndian.Uint32(w.pending))
		if len(w.pending) < 4+length {
			break
		}
		frame := append([]byte(nil), w.pending[4:4+length]...)
		w.pending = w.pending[4+length:]
		w.frames <- frame
	}
	return len(p), nil
}

func (h *host) startWarm(req request) (*warmInstance, error) {
	loaded, ok := h.modules[req.App]
	if !ok {
		return nil, fmt.Errorf("no module loaded as %q", req.App)
	}
	reader, writer := io.Pipe()
	ctx, cancel := context.WithCancel(h.ctx)
	w := &warmInstance{stdin: writer, frames: make(chan []byte, 16), done: make(chan string, 1), cancel: cancel, stderr: &cappedBuffer{cap: stderrCapBytes}, alive: true}
	started := time.Now()
	mod, err := loaded.runtime.InstantiateModule(ctx, loaded.compiled, moduleConfig(req, reader, w, w.stderr))
	if err != nil {
		cancel()
		return nil, err
	}
	w.instantiateNs = time.Since(started).Nanoseconds()
	go func() {
		exitCode, trap := runStart(ctx, mod, req.DeadlineMs)
		mod.Close(h.ctx)
		if trap != nil {
			w.done <- fmt.Sprint(trap)
		} else {
			w.done <- fmt.Sprintf("the warm instance ended with exit code %v before answering", exitCode)
		}
	}()
	return w, nil
}

func (h *host) warmInvoke(req request, payload []byte) (answer, []byte, error) {
	var instantiateNs any
	invokeStarted := time.Now()
	if h.warm == nil || !h.warm.alive {
		w, err := h.startWarm(req)
		if err != nil {
			return nil, nil, err
		}
		h.warm = w
		instantiateNs = w.instantiateNs
	}
	w := h.warm
	go w.stdin.Write(payload)
	result := answer{"ok": true, "exitCode": nil, "trap": nil, "instantiateNs": instantiateNs, "stdoutTruncated": false, "stderr": ""}
	timer := time.NewTimer(time.Duration(req.DeadlineMs) * time.Millisecond)
	defer timer.Stop()
	select {
	case frame := <-w.frames:
		result["invokeNs"] = time.Since(invokeStarted).Nanoseconds()
		return result, frame, nil
	case message := <-w.done:
		w.alive = false
		result["trap"] = message
		result["stderr"] = w.stderr.buf.String()
	case <-timer.C:
		// Cancelling the instance's context closes it (WithCloseOnContextDone).
		w.cancel()
		<-w.done
		w.alive = false
		result["trap"] = fmt.Sprintf(deadlineMessage, req.DeadlineMs)
	}
	w.stdin.Close()
	result["invokeNs"] = time.Since(invokeStarted).Nanoseconds()
	return result, nil, nil
}

func readMessage(r io.Reader) (request, []byte, error) {
	var req request
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return req, nil, err
	}
	header := make([]byte, binary.LittleEndian.Uint32(size[:]))
	if _, err := io.ReadFull(r, header); err != nil {
		return req, nil, err
	}
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return req, nil, err
	}
	payload := make([]byte, binary.LittleEndian.Uint32(size[:]))
	if _, err := io.ReadFull(r, payload); err != nil {
		return req, nil, err
	}
	return req, payload, json.Unmarshal(header, &req)
}

func writeMessage(w *bufio.Writer, header answer, payload []byte) {
	encoded, _ := json.Marshal(header)
	var size [4]byte
	binary.LittleEndian.PutUint32(size[:], uint32(len(encoded)))
	w.Write(size[:])
	w.Write(encoded)
	binary.LittleEndian.PutUint32(size[:], uint32(len(payload)))
	w.Write(size[:])
	w.Write(payload)
	w.Flush()
}

func main() {
	config := flag.String("config", "compiler", "compiler or interpreter")
	maxMemoryMib := flag.Int("max-memory-mib", 256, "memory cap of one instance, MiB")
	cacheDir := flag.String("cache-dir", "", "wazero compilation cache directory")
	closeOnDone := flag.Bool("close-on-context-done", true, "compile deadline checks into guest loops (false: faster, but a guest cannot be stopped)")
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	if *config != "compiler" && *config != "interpreter" {
		writeMessage(out, answer{"ok": false, "error": "unknown configuration " + *config}, nil)
		os.Exit(2)
	}
	ctx := context.Background()
	memPages := uint32(*maxMemoryMib * (1 << 20) / wasmPageBytes)
	rc := runtimeConfig(*config, memPages, *closeOnDone)
	if *cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(*cacheDir)
		if err != nil {
			writeMessage(out, answer{"ok": false, "error": err.Error()}, nil)
			os.Exit(1)
		}
		rc = rc.WithCompilationCache(cache)
	}
	h := &host{ctx: ctx, runtime: wazero.NewRuntimeWithConfig(ctx, rc), config: *config, memPages: memPages, cacheDir: *cacheDir, closeOnDone: *closeOnDone, modules: map[string]loadedModule{}}
	wasi_snapshot_preview1.MustInstantiate(ctx, h.runtime)
	writeMessage(out, answer{"ok": true, "engine": "wazero " + wazeroVersion + " (Go host, " + *config + ")", "config": *config}, nil)
	in := bufio.NewReader(os.Stdin)
	for {
		req, payload, err := readMessage(in)
		if err != nil {
			break
		}
		var result answer
		var body []byte
		switch req.Op {
		case "load":
			result, body, err = h.load(req, payload)
		case "invoke":
			result, body, err = h.invoke(req, payload)
		case "warm":
			result, body, err = h.warmInvoke(req, payload)
		default:
			err = fmt.Errorf("unknown op %q", req.Op)
		}
		if err != nil {
			result, body = answer{"ok": false, "error": strings.SplitN(err.Error(), "\n", 2)[0]}, nil
		}
		writeMessage(out, result, body)
	}
	if h.warm != nil && h.warm.alive {
		h.warm.stdin.Close()
	}
	if h.uncached != nil {
		h.uncached.Close(ctx)
	}
	h.runtime.Close(ctx)
}
