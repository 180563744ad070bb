// loadgen: the benchmarks' HTTP load generator. Compiled, so that on a 2-core machine the client does not
// take the CPU the measured server needs. Prints one JSON object on stdout.
//
//	loadgen closed -url U -c 500 -d 10s            # c clients, each sends its next request when the last ends
//	loadgen open -url U -c 500 -every 1s -d 10s    # c viewers, each requests once per interval (open loop)
//	loadgen sse -url U -c 500 -d 30s               # c open event streams; prints when each event arrived
//	loadgen kargo-stages -url U -project P -password W -c 500 -d 30s
//	                                               # c Kargo UI stage streams (WatchStages), as sse
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type options struct {
	url      string
	clients  int
	duration time.Duration
	warmup   time.Duration
	every    time.Duration
	headers  headerList
}

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

type requestResult struct {
	Mode        string         `json:"mode"`
	URL         string         `json:"url"`
	Clients     int            `json:"clients"`
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	Errors      int            `json:"errors"`
	Statuses    map[string]int `json:"statuses"`
	RPS         float64        `json:"rps"`
	P50ms       float64        `json:"p50_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	MeanBytes   float64        `json:"mean_bytes"`
	FirstErrors []string       `json:"first_errors"`
}

type sseEvent struct {
	Stream int    `json:"stream"`
	AtNs   int64  `json:"at_ns"`
	ID     string `json:"id"`
}

type sseResult struct {
	Mode      string     `json:"mode"`
	Clients   int        `json:"clients"`
	Connected int        `json:"connected"`
	Errors    []string   `json:"errors"`
	Events    []sseEvent `json:"events"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: loadgen closed|open|sse|kargo-stages -url URL [-c N] [-d DURATION] [-warmup DURATION] [-every DURATION]")
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	var opts options
	flags.StringVar(&opts.url, "url", "", "the URL to load")
	flags.IntVar(&opts.clients, "c", 10, "concurrent clients / viewers / streams")
	flags.DurationVar(&opts.duration, "d", 10*time.Second, "measured duration")
	flags.DurationVar(&opts.warmup, "warmup", 0, "unmeasured load before the measured duration")
	flags.DurationVar(&opts.every, "every", time.Second, "open mode: interval between one viewer's requests")
	flags.Var(&opts.headers, "H", "extra request header 'Name: value' (repeatable)")
	project := flags.String("project", "", "kargo-stages mode: the Kargo project whose stages are watched")
	password := flags.String("password", "", "kargo-stages mode: the password of Kargo's admin account")
	_ = flags.Parse(os.Args[2:])
	if opts.url == "" || opts.clients < 1 || opts.duration <= 0 {
		fail("loadgen: -url is required, -c must be >= 1 and -d > 0")
	}
	var out any
	switch mode {
	case "closed", "open":
		out = runRequests(mode, opts)
	case "sse":
		out = runSSE(opts)
	case "kargo-stages":
		if *project == "" || *password == "" {
			fail("loadgen: kargo-stages needs -project and -password")
		}
		out = runKargoStages(opts, *project, *password)
	default:
		fail("loadgen: unknown mode " + mode)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err.Error())
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(2)
}

func newClient(clients int, timeout time.Duration) *http.Client {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		MaxConnsPerHost:     0,
		DisableCompression:  true,
	}
	return &http.Client{Transport: transport, Timeout: timeout}
}

func (o options) request(ctx context.Context) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.url, nil)
	if err != nil {
		fail(err.Error())
	}
	for _, header := range o.headers {
		name, value, ok := strings.Cut(header, ":")
		if !ok {
			fail("loadgen: -H expects 'Name: value', got " + header)
		}
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return req
}

type collector struct {
	mu        sync.Mutex
	latencies []time.Duration
	statuses  map[string]int
	errors    int
	bytes     int64
	firstErrs []string
}

func (c *collector) add(latency time.Duration, status string, size int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errors++
		if len(c.firstErrs) < 5 {
			c.firstErrs = append(c.firstErrs, err.Error())
		}
		return
	}
	c.latencies = append(c.latencies, latency)
	c.statuses[status]++
	c.bytes += size
}

func runRequests(mode string, opts options) requestResult {
	client := newClient(opts.clients, 30*time.Second)
	stats := &collector{statuses: map[string]int{}}
	measuredFrom := time.Now().Add(opts.warmup)
	deadline := measuredFrom.Add(opts.duration)
	one := func() {
		started := time.Now()
		resp, err := client.Do(opts.request(context.Background()))
		var size int64
		status := ""
		if err == nil {
			size, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = fmt.Sprint(resp.StatusCode)
		}
		// Only requests that started and ended inside the measured window count.
		if started.After(measuredFrom) && time.Now().Before(deadline) {
			stats.add(time.Since(started), status, size, err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < opts.clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if mode == "open" {
				// Viewers do not arrive in lockstep: spread their first request over one interval.
				time.Sleep(time.Duration(rand.Int63n(int64(opts.every))))
			}
			for next := time.Now(); time.Now().Before(deadline); {
				one()
				if mode == "open" {
					next = next.Add(opts.every)
					time.Sleep(time.Until(next))
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := opts.duration.Seconds()
	sort.Slice(stats.latencies, func(i, j int) bool { return stats.latencies[i] < stats.latencies[j] })
	result := requestResult{
		Mode: mode, URL: opts.url, Clients: opts.clients, Seconds: elapsed, Requests: len(stats.latencies),
		Errors: stats.errors, Statuses: stats.statuses, FirstErrors: stats.firstErrs,
	}
	if n := len(stats.latencies); n > 0 {
		result.RPS = float64(n) / elapsed
		result.P50ms = ms(percentile(stats.latencies, 50))
		result.P99ms = ms(percentile(stats.latencies, 99))
		result.MaxMs = ms(stats.latencies[n-1])
		result.MeanBytes = float64(stats.bytes) / float64(n)
	}
	return result
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	index := int(float64(len(sorted))*p/100+0.5) - 1
	if index < 0 {
		index = 0
	}
	if index >= len(sorted) {
		index = len(sorted) - 1
	}
	return sorted[index]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runSSE holds c streams open for the duration and records when each event arrived; "ready" goes to stderr
// once every stream has received the server's first line.
func runSSE(opts options) sseResult {
	client := newClient(opts.clients, 0)
	return holdStreams(opts, "sse", func(ctx context.Context, stream int, run *streamRun, first func()) {
		resp, err := client.Do(opts.request(ctx))
		if err != nil {
			run.failed(err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			run.failed(fmt.Errorf("status %d", resp.StatusCode))
			return
		}
		run.connected()
		reader := bufio.NewReaderSize(resp.Body, 1<<20)
		id := ""
		for {
			line, err := reader.ReadString('\n')
			if err != nil {
				return
			}
			first()
			line = strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case line == "" && id != "":
				run.received(stream, id)
				id = ""
			}
		}
	})
}
