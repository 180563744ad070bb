// userapp_load drives one HTTP scenario against the user service with N concurrent keep-alive clients for a
// fixed time (after a warm-up) and prints one JSON object: request count, req/s, latency percentiles, statuses.
//
// It is compiled (not Python) so that the load generator takes as little of the 2 cores as possible away from
// the server under test. Only the standard library is used; bench/userapp_api.py builds and runs it.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	base     string
	scenario string
	clients  int
	duration time.Duration
	warmup   time.Duration
	token    string
	minID    int
	maxID    int
	pages    int
	runID    string
	barePath string
	getPath  string
	listPath string
	pageSize int
	idsFile  string
	ids      []string
}

// A scenario builds the next request of one client and names the status that counts as success.
type scenario struct {
	expect int
	build  func(client, n int, rng *rand.Rand) (*http.Request, error)
}

type result struct {
	Scenario       string         `json:"scenario"`
	Clients        int            `json:"clients"`
	Seconds        float64        `json:"seconds"`
	Requests       int            `json:"requests"`
	AllRequests    int            `json:"requests_with_warmup"`
	Errors         int            `json:"errors"`
	Statuses       map[string]int `json:"statuses"`
	RPS            float64        `json:"rps"`
	P50ms          float64        `json:"p50_ms"`
	P90ms          float64        `json:"p90_ms"`
	P99ms          float64        `json:"p99_ms"`
	MaxMs          float64        `json:"max_ms"`
	LoadCPUSeconds float64        `json:"loadgen_cpu_seconds"`
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "userapp_load:", err)
		os.Exit(2)
	}
	sc, err := newScenario(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "userapp_load:", err)
		os.Exit(2)
	}
	res := run(opts, sc)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "userapp_load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("userapp_load", flag.ContinueOnError)
	fs.StringVar(&o.base, "url", "", "base URL of the service, e.g. http://127.0.0.1:8000")
	fs.StringVar(&o.scenario, "scenario", "", "bare | get | list | create")
	fs.IntVar(&o.clients, "clients", 32, "concurrent clients (one keep-alive connection each)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before it")
	fs.StringVar(&o.token, "token", "", "bearer token (an admin's: create needs it)")
	fs.IntVar(&o.minID, "min-id", 1, "lowest user id for get")
	fs.IntVar(&o.maxID, "max-id", 1, "highest user id for get")
	fs.IntVar(&o.pages, "pages", 1, "list: pick a page in 1..pages")
	fs.StringVar(&o.runID, "run-id", strconv.FormatInt(time.Now().UnixNano(), 36), "create: makes emails unique")
	fs.StringVar(&o.barePath, "bare-path", "/healthz", "bare: the constant endpoint")
	fs.StringVar(&o.getPath, "get-path", "/api/users/{id}", "get: path, {id} is replaced by a user id")
	fs.StringVar(&o.listPath, "list-path", "/api/users?page_size={size}&page={page}",
		"list: path; {page} (1..pages), {offset} ((page-1)*page-size) and {size} are replaced")
	fs.IntVar(&o.pageSize, "page-size", 50, "list: users per page")
	fs.StringVar(&o.idsFile, "ids-file", "", "get: a file of user ids, one a line (instead of -min-id/-max-id)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.idsFile != "" {
		data, err := os.ReadFile(o.idsFile)
		if err != nil {
			return o, fmt.Errorf("-ids-file: %w", err)
		}
		o.ids = strings.Fields(string(data))
		if len(o.ids) == 0 {
			return o, fmt.Errorf("-ids-file %s holds no ids", o.idsFile)
		}
	}
	switch {
	case o.base == "":
		return o, errors.New("-url is required")
	case o.clients < 1:
		return o, errors.New("-clients must be at least 1")
	case o.duration <= 0 || o.warmup < 0:
		return o, errors.New("-duration must be positive and -warmup not negative")
	case o.minID < 1 || o.maxID < o.minID:
		return o, errors.New("need 1 <= -min-id <= -max-id")
	case o.pages < 1 || o.pageSize < 1:
		return o, errors.New("-pages and -page-size must be at least 1")
	case !strings.Contains(o.getPath, "{id}"):
		return o, errors.New("-get-path must contain {id}")
	}
	return o, nil
}

func newScenario(o options) (scenario, error) {
	get := func(path string) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, o.base+path, nil)
		if err == nil && o.token != "" {
			req.Header.Set("Authorization", "Bearer "+o.token)
		}
		return req, err
	}
	switch o.scenario {
	case "bare":
		return scenario{200, func(int, int, *rand.Rand) (*http.Request, error) { return get(o.barePath) }}, nil
	case "get":
		return scenario{200, func(_, _ int, rng *rand.Rand) (*http.Request, error) {
			var id string
			if len(o.ids) > 0 {
				id = o.ids[rng.IntN(len(o.ids))]
			} else {
				id = strconv.Itoa(o.minID + rng.IntN(o.maxID-o.minID+1))
			}
			return get(strings.ReplaceAll(o.getPath, "{id}", id))
		}}, nil
	case "list":
		return scenario{200, func(_, _ int, rng *rand.Rand) (*http.Request, error) {
			page := 1 + rng.IntN(o.pages)
			path := strings.NewReplacer(
				"{page}", strconv.Itoa(page),
				"{offset}", strconv.Itoa((page-1)*o.pageSize),
				"{size}", strconv.Itoa(o.pageSize),
			).Replace(o.listPath)
			return get(path)
		}}, nil
	case "create":
		return scenario{201, func(client, n int, _ *rand.Rand) (*http.Request, error) {
			body, _ := json.Marshal(map[string]string{
				"email":    fmt.Sprintf("load-%s-%d-%d@example.com", o.runID, client, n),
				"name":     fmt.Sprintf("Load %d %d", client, n),
				"password": "load-password-1",
			})
			req, err := http.NewRequest(http.MethodPost, o.base+"/api/users", bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+o.token)
			}
			return req, err
		}}, nil
	}
	return scenario{}, fmt.Errorf("unknown -scenario %q (bare, get, list, create)", o.scenario)
}

type sample struct {
	latency time.Duration
	status  int // 0: transport error
}

func run(o options, sc scenario) result {
	transport := &http.Transport{
		MaxIdleConns:        o.clients,
		MaxIdleConnsPerHost: o.clients,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}
	httpClient := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	cpuBefore := cpuSeconds()

	perClient := make([][]sample, o.clients)
	allCounts := make([]int, o.clients)
	var wg sync.WaitGroup
	for c := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			for n := 0; ; n++ {
				sent := time.Now()
				if !sent.Before(end) {
					return
				}
				status := do(httpClient, sc, c, n, rng)
				allCounts[c]++
				// Requests count by their start: each one sent inside the measured window is waited for,
				// so the slow ones still in flight at the end are not left out of the percentiles.
				if !sent.Before(measureFrom) {
					perClient[c] = append(perClient[c], sample{time.Since(sent), status})
				}
			}
		}()
	}
	wg.Wait()
	cpu := cpuSeconds() - cpuBefore
	transport.CloseIdleConnections()
	res := summarise(o, sc, slices.Concat(perClient...), cpu)
	for _, n := range allCounts {
		res.AllRequests += n
	}
	return res
}

func do(httpClient *http.Client, sc scenario, client, n int, rng *rand.Rand) int {
	req, err := sc.build(client, n, rng)
	if err != nil {
		return 0
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0
	}
	return resp.StatusCode
}

func summarise(o options, sc scenario, samples []sample, cpu float64) result {
	res := result{
		Scenario:       o.scenario,
		Clients:        o.clients,
		Seconds:        o.duration.Seconds(),
		Requests:       len(samples),
		Statuses:       map[string]int{},
		LoadCPUSeconds: cpu,
	}
	latencies := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		res.Statuses[strconv.Itoa(s.status)]++
		if s.status != sc.expect {
			res.Errors++
		}
		latencies = append(latencies, s.latency)
	}
	slices.Sort(latencies)
	res.RPS = float64(len(samples)) / o.duration.Seconds()
	res.P50ms = percentile(latencies, 50)
	res.P90ms = percentile(latencies, 90)
	res.P99ms = percentile(latencies, 99)
	res.MaxMs = percentile(latencies, 100)
	return res
}

// percentile uses the nearest-rank method on sorted latencies and returns milliseconds.
func percentile(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	rank = max(rank, 1)
	return float64(sorted[rank-1].Microseconds()) / 1000
}

// cpuSeconds is this process's user + system CPU time: how much of the machine the load generator took.
func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}
