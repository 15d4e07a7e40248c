package main

// Closed-loop and fixed-rate runs, and the statistics they report.
//
// Every request has an intended start time. In closed-loop mode it is the moment a connection is free.
// In fixed-rate mode it comes from a schedule at the offered rate, so the time a request waits for a
// free connection counts in its latency (no coordinated omission).

import (
	"sort"
	"sync"
	"time"
)

type runConfig struct {
	address     string
	connections int
	rate        float64 // requests per second; 0 means closed loop
	warmup      time.Duration
	duration    time.Duration
	drain       time.Duration // how long queued fixed-rate requests may still start after the window
	timeout     time.Duration
	batchSize   int
	onWindow    func(name string, at time.Time)
}

// workerStats is owned by one connection's goroutine; the run merges them at the end.
type workerStats struct {
	latencies      []float64 // ms, requests whose intended start lies in the window
	windowStatus   map[int]int
	windowErrors   int
	completedInWin int // requests that completed inside the window, any status
	acceptedInWin  int // 204 responses that completed inside the window
	totalStatus    map[int]int
	totalErrors    int
	repeated       int
	unsent         int
	lastError      string
}

func newWorkerStats() *workerStats {
	return &workerStats{windowStatus: map[int]int{}, totalStatus: map[int]int{}}
}

type window struct{ start, end time.Time }

func (w window) contains(t time.Time) bool { return !t.Before(w.start) && t.Before(w.end) }

func (s *workerStats) record(w window, intended, done time.Time, status int, err error, repeated bool) {
	if repeated {
		s.repeated++
	}
	if err != nil {
		s.totalErrors++
		s.lastError = err.Error()
	} else {
		s.totalStatus[status]++
	}
	if w.contains(intended) {
		s.latencies = append(s.latencies, float64(done.Sub(intended).Microseconds())/1000)
		if err != nil {
			s.windowErrors++
		} else {
			s.windowStatus[status]++
		}
	}
	if w.contains(done) {
		s.completedInWin++
		if err == nil && status == 204 {
			s.acceptedInWin++
		}
	}
}

// run drives the pools with `cfg.connections` connections. Connection i sends for pool i/10, so no
// portal ever has more than 10 requests in flight, as HubSpot limits itself.
func run(cfg runConfig, pools []*pool) ([]*workerStats, window) {
	begin := time.Now()
	w := window{start: begin.Add(cfg.warmup), end: begin.Add(cfg.warmup + cfg.duration)}
	windowDone := make(chan struct{})
	go func() {
		defer close(windowDone)
		time.Sleep(time.Until(w.start))
		cfg.onWindow("window_start", time.Now())
		time.Sleep(time.Until(w.end))
		cfg.onWindow("window_end", time.Now())
	}()

	var schedule chan time.Time
	if cfg.rate > 0 {
		schedule = make(chan time.Time, scheduleCapacity(cfg))
		go feedSchedule(schedule, begin, w.end, cfg.rate)
	}

	stats := make([]*workerStats, cfg.connections)
	var group sync.WaitGroup
	for i := range stats {
		stats[i] = newWorkerStats()
		group.Add(1)
		go func(stat *workerStats, p *pool) {
			defer group.Done()
			conn := &connection{address: cfg.address}
			defer conn.close()
			if schedule == nil {
				closedLoop(cfg, w, conn, p, stat)
			} else {
				fixedRate(cfg, w, schedule, conn, p, stat)
			}
		}(stats[i], pools[i/10])
	}
	group.Wait()
	<-windowDone
	return stats, w
}

func closedLoop(cfg runConfig, w window, conn *connection, p *pool, stat *workerStats) {
	for {
		intended := time.Now()
		if !intended.Before(w.end) {
			return
		}
		header, body, repeated := p.take()
		status, err := conn.do(header, body, cfg.timeout)
		stat.record(w, intended, time.Now(), status, err, repeated)
		if err != nil {
			// Back off briefly so a refused connection does not spin.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func fixedRate(cfg runConfig, w window, schedule <-chan time.Time, conn *connection, p *pool, stat *workerStats) {
	deadline := w.end.Add(cfg.drain)
	for intended := range schedule {
		if wait := time.Until(intended); wait > 0 {
			time.Sleep(wait)
		}
		if time.Now().After(deadline) {
			// The gateway fell this far behind the offered rate: count the request as never sent and
			// give it the latency it has accumulated so far, a lower bound.
			stat.unsent++
			if w.contains(intended) {
				stat.latencies = append(stat.latencies, float64(time.Since(intended).Microseconds())/1000)
			}
			continue
		}
		header, body, repeated := p.take()
		status, err := conn.do(header, body, cfg.timeout)
		stat.record(w, intended, time.Now(), status, err, repeated)
	}
}

func scheduleCapacity(cfg runConfig) int {
	total := cfg.rate * (cfg.warmup + cfg.duration).Seconds()
	return int(min(total+1024, 4_000_000))
}

// feedSchedule puts the intended start times of a fixed-rate run into `schedule` as they come due,
// checking the clock every 200 µs, and closes it at `end`.
func feedSchedule(schedule chan<- time.Time, begin, end time.Time, rate float64) {
	defer close(schedule)
	interval := time.Duration(float64(time.Second) / rate)
	next := begin
	for next.Before(end) {
		now := time.Now()
		for !next.After(now) && next.Before(end) {
			select {
			case schedule <- next:
			default:
				// The queue is full: the requests are still late, so stop adding them to the queue but
				// keep the schedule moving.
			}
			next = next.Add(interval)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// summary is the JSON the driver prints at the end of a run.
type summary struct {
	Event         string             `json:"event"`
	Mode          string             `json:"mode"`
	BatchSize     int                `json:"batch_size"`
	Connections   int                `json:"connections"`
	OfferedRate   float64            `json:"offered_requests_per_s"`
	WindowStartMs int64              `json:"window_start_unix_ms"`
	WindowEndMs   int64              `json:"window_end_unix_ms"`
	DurationS     float64            `json:"window_s"`
	CompletedPerS float64            `json:"completed_requests_per_s"`
	AcceptedPerS  float64            `json:"accepted_requests_per_s"`
	AckedEventsPS float64            `json:"acked_events_per_s"`
	WindowStatus  map[string]int     `json:"window_status"`
	WindowErrors  int                `json:"window_errors"`
	LatencyMs     map[string]float64 `json:"ack_latency_ms"`
	TotalStatus   map[string]int     `json:"total_status"`
	TotalErrors   int                `json:"total_errors"`
	TotalAcked    int                `json:"total_acked_events"`
	Unsent        int                `json:"unsent"`
	Repeated      int                `json:"repeated_requests"`
	PoolRequests  int                `json:"pool_requests"`
	LastError     string             `json:"last_error,omitempty"`
}

func summarize(cfg runConfig, w window, stats []*workerStats, poolRequests int) summary {
	out := summary{
		Event:         "result",
		Mode:          "closed",
		BatchSize:     cfg.batchSize,
		Connections:   cfg.connections,
		OfferedRate:   cfg.rate,
		WindowStartMs: w.start.UnixMilli(),
		WindowEndMs:   w.end.UnixMilli(),
		DurationS:     cfg.duration.Seconds(),
		WindowStatus:  map[string]int{},
		TotalStatus:   map[string]int{},
		PoolRequests:  poolRequests,
	}
	if cfg.rate > 0 {
		out.Mode = "fixed"
	}

	var latencies []float64
	completed, accepted := 0, 0
	for _, s := range stats {
		latencies = append(latencies, s.latencies...)
		completed += s.completedInWin
		accepted += s.acceptedInWin
		out.WindowErrors += s.windowErrors
		out.TotalErrors += s.totalErrors
		out.Unsent += s.unsent
		out.Repeated += s.repeated
		for status, n := range s.windowStatus {
			out.WindowStatus[itoa(status)] += n
		}
		for status, n := range s.totalStatus {
			out.TotalStatus[itoa(status)] += n
		}
		if s.lastError != "" {
			out.LastError = s.lastError
		}
	}
	seconds := cfg.duration.Seconds()
	out.CompletedPerS = float64(completed) / seconds
	out.AcceptedPerS = float64(accepted) / seconds
	out.AckedEventsPS = out.AcceptedPerS * float64(cfg.batchSize)
	out.TotalAcked = out.TotalStatus["204"] * cfg.batchSize
	out.LatencyMs = percentiles(latencies)
	return out
}

func percentiles(values []float64) map[string]float64 {
	result := map[string]float64{"count": float64(len(values))}
	if len(values) == 0 {
		return result
	}
	sort.Float64s(values)
	at := func(q float64) float64 { return values[min(len(values)-1, int(q*float64(len(values))))] }
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	result["p50"] = at(0.50)
	result["p95"] = at(0.95)
	result["p99"] = at(0.99)
	result["p999"] = at(0.999)
	result["max"] = values[len(values)-1]
	result["mean"] = sum / float64(len(values))
	return result
}
