// Command hubspot-load sends pre-signed HubSpot webhook batches to a gateway on the loopback interface
// at the highest rate it can (closed loop) or at a fixed rate, and prints one JSON result line.
//
// Requests are built and signed (v3) before the run and re-signed every minute while it runs, so the
// driver spends no time on signing per request and timestamps stay inside HubSpot's 5-minute window.
// Every event of a run has its own eventId and objectId, so a consumer can count duplicates.
//
// Output, one JSON object per line on stdout: {"event":"window_start",...} and
// {"event":"window_end",...} when the measurement window opens and closes (after the warm-up), then
// {"event":"result",...}. The client secret is read from an environment variable and never printed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintf(os.Stderr, "hubspot-load: %v\n", err)
		os.Exit(2)
	}
}

func mainErr() error {
	target := flag.String("url", "http://127.0.0.1:8080/webhooks", "webhook URL to send to; must be on a loopback address")
	signedURL := flag.String("signed-url", "", "URI to sign, i.e. the gateway's public URL plus path (default: -url)")
	secretEnv := flag.String("secret-env", "INT_HUBSPOT_CLIENT_SECRET", "environment variable holding the client secret (first of a comma-separated list)")
	samples := flag.String("samples", "../shared/hubspot/samples", "folder with HubSpot batch-*.json sample files")
	batchSize := flag.Int("batch", 1, "events per request (HubSpot sends at most 100)")
	connections := flag.Int("connections", 64, "keep-alive connections; connection i sends for portal i/10")
	rate := flag.Float64("rate", 0, "offered requests per second; 0 runs a closed loop")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up before the measurement window")
	duration := flag.Duration("duration", 10*time.Second, "measurement window")
	drain := flag.Duration("drain", 5*time.Second, "fixed rate: how long late requests may still start after the window")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	poolMB := flag.Int("pool-mb", 256, "memory budget for pre-built request bodies, in MiB")
	poolRequests := flag.Int("pool-requests", 0, "requests to pre-build (default: as many as the run can send, within -pool-mb)")
	flag.Parse()

	if *batchSize < 1 || *batchSize > 100 {
		return fmt.Errorf("-batch %d is out of range; use 1..100", *batchSize)
	}
	if *connections < 1 {
		return fmt.Errorf("-connections %d must be at least 1", *connections)
	}
	address, parsed, err := loopbackAddress(*target)
	if err != nil {
		return err
	}
	if *signedURL == "" {
		*signedURL = *target
	}
	secret := firstSecret(os.Getenv(*secretEnv))
	if secret == "" {
		return fmt.Errorf("%s is empty; set it to the gateway's client secret", *secretEnv)
	}

	templates, err := loadTemplates(*samples)
	if err != nil {
		return err
	}
	builder := &poolBuilder{
		templates:    templates,
		batchSize:    *batchSize,
		secret:       []byte(secret),
		signedURL:    *signedURL,
		path:         parsed.RequestURI(),
		host:         parsed.Host,
		nextEventID:  rand.Int64N(1<<40) * 1_000_000,
		nextObjectID: 10_000_000_000 + rand.Int64N(1<<30)*1_000,
	}
	portals := portalIDs((*connections + 9) / 10)
	count := poolSize(*poolRequests, *poolMB, *batchSize, *rate, *connections, *warmup+*duration)
	pools := builder.buildPools(portals, count)

	stop := make(chan struct{})
	go builder.resignEvery(pools, time.Minute, stop)
	defer close(stop)

	var printLock sync.Mutex
	emit := func(value any) {
		printLock.Lock()
		defer printLock.Unlock()
		line, _ := json.Marshal(value)
		fmt.Println(string(line))
	}
	cfg := runConfig{
		address: address, connections: *connections, rate: *rate, warmup: *warmup, duration: *duration,
		drain: *drain, timeout: *timeout, batchSize: *batchSize,
		onWindow: func(name string, at time.Time) {
			emit(map[string]any{"event": name, "unix_ms": at.UnixMilli()})
		},
	}
	stats, w := run(cfg, pools)
	emit(summarize(cfg, w, stats, count))
	return nil
}

// loopbackAddress returns host:port of `target` and refuses any host that is not a loopback address,
// so a mistyped URL cannot send load to another machine.
func loopbackAddress(target string) (string, *url.URL, error) {
	parsed, err := url.Parse(target)
	if err != nil || parsed.Scheme != "http" {
		return "", nil, fmt.Errorf("-url %q must be an http:// URL", target)
	}
	host, port := parsed.Hostname(), parsed.Port()
	if port == "" {
		port = "80"
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.ParseIP("127.0.0.1")
	}
	if ip == nil || !ip.IsLoopback() {
		return "", nil, fmt.Errorf("-url host %q is not a loopback address; this driver only loads local servers", host)
	}
	return net.JoinHostPort(ip.String(), port), parsed, nil
}

func firstSecret(value string) string {
	for i := 0; i < len(value); i++ {
		if value[i] == ',' {
			return value[:i]
		}
	}
	return value
}

// portalIDs returns `n` distinct 8-digit portal ids.
func portalIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 20_000_000 + int64(i)*7_919
	}
	return ids
}

// poolSize returns how many requests to pre-build: enough for every request the run can send at the
// offered rate (or an estimate for a closed loop), limited by the memory budget.
func poolSize(requested, budgetMB, batchSize int, rate float64, connections int, runTime time.Duration) int {
	if requested > 0 {
		return requested
	}
	perRequest := 300*batchSize + 300
	budget := budgetMB * 1024 * 1024 / perRequest
	wanted := budget
	if rate > 0 {
		wanted = int(rate*runTime.Seconds()) + connections
	}
	return max(connections, min(wanted, budget))
}

func itoa(n int) string { return strconv.Itoa(n) }
