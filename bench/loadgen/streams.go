package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// streamRun is what one run of c streams saw; its methods are safe to call from every stream's goroutine.
type streamRun struct {
	mu     sync.Mutex
	result sseResult
}

func (r *streamRun) failed(err error) {
	r.mu.Lock()
	r.result.Errors = append(r.result.Errors, err.Error())
	r.mu.Unlock()
}

func (r *streamRun) connected() {
	r.mu.Lock()
	r.result.Connected++
	r.mu.Unlock()
}

// received records that event `id` reached `stream` now.
func (r *streamRun) received(stream int, id string) {
	at := time.Now().UnixNano()
	r.mu.Lock()
	r.result.Events = append(r.result.Events, sseEvent{Stream: stream, AtNs: at, ID: id})
	r.mu.Unlock()
}

// holdStreams runs `follow` for each of the c streams until the duration ends. Each stream calls `first` when
// its first message arrives (or it gives up); once every stream has, "ready" goes to stderr, so the caller knows
// when to start changing things.
func holdStreams(opts options, mode string, follow func(ctx context.Context, stream int, run *streamRun, first func())) sseResult {
	ctx, cancel := context.WithTimeout(context.Background(), opts.duration)
	defer cancel()
	run := &streamRun{result: sseResult{Mode: mode, Clients: opts.clients}}
	var ready, done sync.WaitGroup
	ready.Add(opts.clients)
	for i := 0; i < opts.clients; i++ {
		done.Add(1)
		go func(stream int) {
			defer done.Done()
			var once sync.Once
			first := func() { once.Do(ready.Done) }
			defer first()
			follow(ctx, stream, run, first)
		}(i)
	}
	ready.Wait()
	fmt.Fprintln(os.Stderr, "ready")
	done.Wait()
	if run.result.Events == nil {
		run.result.Events = []sseEvent{}
	}
	return run.result
}
