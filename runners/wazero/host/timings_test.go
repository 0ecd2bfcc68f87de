// Timings of the wazero host's engine settings, not checks: both tests skip
// unless asked for, and report medians of interleaved runs.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// kernelRun is one wazero configuration ready to run a fixture's _start.
type kernelRun struct {
	name     string
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
}

func newKernelRun(t testing.TB, name string, rc wazero.RuntimeConfig, wasm string) kernelRun {
	ctx := context.Background()
	source, err := os.ReadFile("../../../fixtures/wasm/" + wasm)
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	return kernelRun{name: name, runtime: rt, compiled: compiled}
}

func (k kernelRun) once(t testing.TB, wasm, query string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := request{Args: []string{wasm}, Env: map[string]string{"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": query, "CONTENT_LENGTH": "0"}}
	out := &cappedBuffer{cap: 1 << 20}
	started := time.Now()
	mod, err := k.runtime.InstantiateModule(ctx, k.compiled, moduleConfig(req, bytes.NewReader(nil), out, out))
	if err != nil {
		t.Fatal(err)
	}
	if code, trap := runStart(ctx, mod, 0); code != 0 || trap != nil {
		t.Fatal(code, trap, out.buf.String())
	}
	mod.Close(ctx)
	return time.Since(started)
}

// TestKernelTimes times the near-native kernels under wazero configurations,
// interleaved so that every configuration sees the same moments of a shared
// machine. A measurement, not a check: it runs only with WSB_KERNEL_TIMES=1.
//
//	WSB_KERNEL_TIMES=1 go test -run KernelTimes -v .
func TestKernelTimes(t *testing.T) {
	if os.Getenv("WSB_KERNEL_TIMES") == "" {
		t.Skip("set WSB_KERNEL_TIMES=1 to time the kernels")
	}
	const pages = 4096
	configs := []struct {
		name string
		rc   wazero.RuntimeConfig
	}{
		{"compiler, deadline checks (the host's)", runtimeConfig("compiler", pages, true)},
		{"compiler, no deadline checks", runtimeConfig("compiler", pages, false)},
	}
	for _, kernel := range []struct{ wasm, query string }{{"cpu.wasm", "kib=1024"}, {"mem.wasm", "mib=64"}} {
		runs := make([]kernelRun, len(configs))
		for i, c := range configs {
			runs[i] = newKernelRun(t, c.name, c.rc, kernel.wasm)
		}
		samples := make([][]time.Duration, len(runs))
		for round := 0; round < 21; round++ {
			for i, run := range runs {
				samples[i] = append(samples[i], run.once(t, kernel.wasm, kernel.query))
			}
		}
		for i, run := range runs {
			sort.Slice(samples[i], func(a, b int) bool { return samples[i][a] < samples[i][b] })
			t.Logf("%s %s: median %v, min %v", kernel.wasm, run.name, samples[i][len(samples[i])/2], samples[i][0])
			run.runtime.Close(context.Background())
		}
	}
}

// helloVariant stamps id into hello.wasm's placeholder, as fixtures/variants.ts does.
func helloVariant(t testing.TB, base []byte, id int) []byte {
	placeholder := []byte("wsb-app-00000000")
	offset := bytes.Index(base, placeholder)
	if offset < 0 {
		t.Fatal("no placeholder in hello.wasm")
	}
	out := append([]byte(nil), base...)
	copy(out[offset:], fmt.Sprintf("wsb-app-%08d", id))
	return out
}

// TestLoadTimes times compiling distinct hello variants with and without
// wazero's on-disk compilation cache (a fresh cache directory, so every
// module is a miss that is compiled and written). Runs only with WSB_LOAD_TIMES=1.
//
//	WSB_LOAD_TIMES=1 go test -run LoadTimes -v .
func TestLoadTimes(t *testing.T) {
	if os.Getenv("WSB_LOAD_TIMES") == "" {
		t.Skip("set WSB_LOAD_TIMES=1 to time module loads")
	}
	base, err := os.ReadFile("../../../fixtures/wasm/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const apps = 100
	seed := int(time.Now().UnixNano() % 1_000_000)
	cached := runtimeConfig("compiler", 4096, true)
	cache, err := wazero.NewCompilationCacheWithDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runtimes := []struct {
		name string
		rt   wazero.Runtime
	}{
		{"no cache", wazero.NewRuntimeWithConfig(ctx, runtimeConfig("compiler", 4096, true))},
		{"file cache (misses)", wazero.NewRuntimeWithConfig(ctx, cached.WithCompilationCache(cache))},
	}
	times := make([][]time.Duration, len(runtimes))
	for i := 0; i < apps; i++ {
		for j, r := range runtimes {
			source := helloVariant(t, base, seed*10+i*2+j)
			started := time.Now()
			if _, err := r.rt.CompileModule(ctx, source); err != nil {
				t.Fatal(err)
			}
			times[j] = append(times[j], time.Since(started))
		}
	}
	for j, r := range runtimes {
		sort.Slice(times[j], func(a, b int) bool { return times[j][a] < times[j][b] })
		t.Logf("hello variants, %s: median %v per module, min %v", r.name, times[j][len(times[j])/2], times[j][0])
		r.rt.Close(ctx)
	}
}
