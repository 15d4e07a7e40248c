package main

// The request pool: HubSpot-shaped batches built from the sample events, each with unique event ids,
// signed with the v3 scheme before the run starts and re-signed while it runs so that the timestamps
// stay inside the gateway's 5-minute window.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// Placeholders written into a sample event before it is marshaled; each is later replaced by a
// per-event value. They are 19-digit numbers that no sample contains.
const (
	placeholderEventID    = "9000000000000000001"
	placeholderPortalID   = "9000000000000000002"
	placeholderObjectID   = "9000000000000000003"
	placeholderOccurredAt = "9000000000000000004"
)

// eventTemplate is one marshaled sample event split around its placeholders.
type eventTemplate struct {
	literals [][]byte // len(slots)+1 literal pieces
	slots    []string // the placeholder that follows each literal but the last
}

// loadTemplates reads every batch-*.json file in dir and returns one template per event, in file order.
func loadTemplates(dir string) ([]eventTemplate, error) {
	files, err := filepath.Glob(filepath.Join(dir, "batch-*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no batch-*.json sample files in %s; pass -samples with the HubSpot samples folder", dir)
	}
	sort.Strings(files)

	var templates []eventTemplate
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		decoder := json.NewDecoder(bytes.NewReader(raw))
		decoder.UseNumber()
		var events []map[string]any
		if err := decoder.Decode(&events); err != nil {
			return nil, fmt.Errorf("sample %s is not a JSON array of events: %w", file, err)
		}
		for _, event := range events {
			template, err := newTemplate(event)
			if err != nil {
				return nil, fmt.Errorf("sample %s: %w", file, err)
			}
			templates = append(templates, template)
		}
	}
	return templates, nil
}

func newTemplate(event map[string]any) (eventTemplate, error) {
	event["eventId"] = json.Number(placeholderEventID)
	event["portalId"] = json.Number(placeholderPortalID)
	event["objectId"] = json.Number(placeholderObjectID)
	event["occurredAt"] = json.Number(placeholderOccurredAt)
	encoded, err := json.Marshal(event)
	if err != nil {
		return eventTemplate{}, err
	}

	var template eventTemplate
	rest := encoded
	for {
		index, placeholder := firstPlaceholder(rest)
		if index < 0 {
			template.literals = append(template.literals, rest)
			return template, nil
		}
		template.literals = append(template.literals, rest[:index])
		template.slots = append(template.slots, placeholder)
		rest = rest[index+len(placeholder):]
	}
}

func firstPlaceholder(data []byte) (int, string) {
	best, found := -1, ""
	for _, placeholder := range []string{placeholderEventID, placeholderPortalID, placeholderObjectID, placeholderOccurredAt} {
		index := bytes.Index(data, []byte(placeholder))
		if index >= 0 && (best < 0 || index < best) {
			best, found = index, placeholder
		}
	}
	return best, found
}

// eventValues are the per-event numbers written into a template.
type eventValues struct {
	eventID, portalID, objectID, occurredAt int64
}

func (t eventTemplate) appendTo(buffer []byte, values eventValues) []byte {
	for i, literal := range t.literals {
		buffer = append(buffer, literal...)
		if i == len(t.slots) {
			break
		}
		var value int64
		switch t.slots[i] {
		case placeholderEventID:
			value = values.eventID
		case placeholderPortalID:
			value = values.portalID
		case placeholderObjectID:
			value = values.objectID
		default:
			value = values.occurredAt
		}
		buffer = strconv.AppendInt(buffer, value, 10)
	}
	return buffer
}

// pool holds the bodies of one portal's requests and their current signed header blocks.
type pool struct {
	portalID int64
	bodies   [][]byte
	headers  atomic.Pointer[[][]byte]
	next     atomic.Int64 // index of the next request to send; wraps around when the pool is used up
}

// take returns the body and header block of the next request and whether it repeats an earlier one.
func (p *pool) take() (header, body []byte, repeated bool) {
	n := p.next.Add(1) - 1
	index := int(n % int64(len(p.bodies)))
	headers := *p.headers.Load()
	return headers[index], p.bodies[index], n >= int64(len(p.bodies))
}

// poolBuilder builds the bodies and signs them.
type poolBuilder struct {
	templates  []eventTemplate
	batchSize  int
	secret     []byte
	signedURL  string
	path, host string
	// nextEventID and nextObjectID make every event of the run unique, so that Kafka consumers can
	// count duplicates by event id.
	nextEventID  int64
	nextObjectID int64
	nextTemplate int
}

func (b *poolBuilder) buildBodies(portalID int64, count int, occurredAt int64) [][]byte {
	bodies := make([][]byte, count)
	for i := range bodies {
		buffer := make([]byte, 0, 320*b.batchSize)
		buffer = append(buffer, '[')
		for j := 0; j < b.batchSize; j++ {
			if j > 0 {
				buffer = append(buffer, ',')
			}
			template := b.templates[b.nextTemplate%len(b.templates)]
			b.nextTemplate++
			b.nextEventID++
			b.nextObjectID++
			buffer = template.appendTo(buffer, eventValues{b.nextEventID, portalID, b.nextObjectID, occurredAt})
		}
		bodies[i] = append(buffer, ']')
	}
	return bodies
}

// sign returns the header blocks of `bodies`, signed with the v3 scheme at `timestamp` (ms).
func (b *poolBuilder) sign(bodies [][]byte, timestamp int64) [][]byte {
	stamp := strconv.FormatInt(timestamp, 10)
	headers := make([][]byte, len(bodies))
	for i, body := range bodies {
		mac := hmac.New(sha256.New, b.secret)
		mac.Write([]byte("POST"))
		mac.Write([]byte(b.signedURL))
		mac.Write(body)
		mac.Write([]byte(stamp))
		signature := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		headers[i] = fmt.Appendf(nil,
			"POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hubspot-load\r\nContent-Type: application/json\r\n"+
				"Content-Length: %d\r\nX-HubSpot-Signature-v3: %s\r\nX-HubSpot-Request-Timestamp: %s\r\n\r\n",
			b.path, b.host, len(body), signature, stamp)
	}
	return headers
}

// buildPools builds one pool per portal, sharing `totalRequests` between them.
func (b *poolBuilder) buildPools(portalIDs []int64, totalRequests int) []*pool {
	now := time.Now().UnixMilli()
	perPortal := max(1, totalRequests/len(portalIDs))
	pools := make([]*pool, len(portalIDs))
	for i, portalID := range portalIDs {
		p := &pool{portalID: portalID, bodies: b.buildBodies(portalID, perPortal, now)}
		headers := b.sign(p.bodies, now)
		p.headers.Store(&headers)
		pools[i] = p
	}
	return pools
}

// resignEvery re-signs all pools with a fresh timestamp every `interval` until `stop` is closed.
func (b *poolBuilder) resignEvery(pools []*pool, interval time.Duration, stop <-chan struct{}) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			now := time.Now().UnixMilli()
			for _, p := range pools {
				headers := b.sign(p.bodies, now)
				p.headers.Store(&headers)
			}
		}
	}
}
