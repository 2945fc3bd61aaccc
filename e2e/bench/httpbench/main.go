// Command httpbench measures Mopidy-style HTTP frontends: JSON-RPC calls per
// second over POST with keep-alive, calls per second over one WebSocket with
// pipelined requests, and the latency from core.mixer.set_volume to the
// volume_changed event on many open WebSockets. It takes one or more
// targets and prints a Markdown table with a column for each.
//
// Every load is bounded by a call count and a duration and stops at the
// first of the two.
//
// Usage:
//
//	httpbench -target Mopidy=http://127.0.0.1:6680 -target Tonearm=http://127.0.0.1:6681
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

type target struct {
	name string
	url  string
}

type targetList []target

func (l *targetList) String() string { return fmt.Sprint(*l) }

func (l *targetList) Set(value string) error {
	name, url, ok := strings.Cut(value, "=")
	if !ok || name == "" || !strings.HasPrefix(url, "http://") {
		return fmt.Errorf("invalid target %q: expected NAME=http://HOST:PORT", value)
	}
	*l = append(*l, target{name: name, url: strings.TrimSuffix(url, "/")})
	return nil
}

type settings struct {
	duration   time.Duration
	maxCalls   int
	clients    int
	window     int
	sockets    int
	repeats    int
	eventLimit time.Duration
}

func main() {
	var targets targetList
	var cfg settings
	flag.Var(&targets, "target", "server to measure, as NAME=http://HOST:PORT (repeatable)")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "max duration of each call-rate load")
	flag.IntVar(&cfg.maxCalls, "calls", 200000, "max calls in each call-rate load")
	flag.IntVar(&cfg.clients, "clients", 4, "concurrent POST clients, each on its own keep-alive connection")
	flag.IntVar(&cfg.window, "window", 32, "WebSocket requests in flight at once")
	flag.IntVar(&cfg.sockets, "sockets", 100, "WebSockets that wait for the volume_changed event")
	flag.IntVar(&cfg.repeats, "repeats", 31, "volume changes timed for the event latency")
	flag.DurationVar(&cfg.eventLimit, "event-timeout", 10*time.Second, "max wait for one event to reach every socket")
	// One P suits the call-rate loads, whose client needs less than a
	// core. Its connections then share one thread instead of waking idle
	// threads for every reply, which leaves more of a small machine to the
	// server under test. The event latency keeps every CPU, so that its
	// sockets are read in parallel.
	procs := flag.Int("procs", 1, "GOMAXPROCS of this client during the call-rate loads")
	flag.Parse()
	if len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "httpbench: no -target given")
		os.Exit(2)
	}

	type row struct {
		label  string
		values []string
	}
	var rows []row
	add := func(i int, label, value string) {
		for len(rows) <= i {
			rows = append(rows, row{})
		}
		rows[i].label = label
		rows[i].values = append(rows[i].values, value)
	}
	methods := []string{"core.playback.get_state", "core.tracklist.get_length"}
	allProcs := runtime.GOMAXPROCS(0)
	for _, tg := range targets {
		i := 0
		runtime.GOMAXPROCS(max(1, *procs))
		for _, method := range methods {
			rate, err := postRate(tg, method, cfg)
			check(tg, err)
			add(i, fmt.Sprintf("POST %s, calls per second, %d clients", method, cfg.clients), fmt.Sprintf("%.0f", rate))
			i++
		}
		for _, method := range methods {
			rate, err := socketRate(tg, method, cfg)
			check(tg, err)
			add(i, fmt.Sprintf("one WebSocket, %s, calls per second, %d in flight", method, cfg.window), fmt.Sprintf("%.0f", rate))
			i++
		}
		runtime.GOMAXPROCS(allProcs)
		latencies, err := eventLatency(tg, cfg)
		check(tg, err)
		add(i, fmt.Sprintf("volume_changed to %d WebSockets, median of %d", cfg.sockets, cfg.repeats), formatMillis(percentile(latencies, 0.5)))
		add(i+1, fmt.Sprintf("volume_changed to %d WebSockets, p95 of %d", cfg.sockets, cfg.repeats), formatMillis(percentile(latencies, 0.95)))
		fmt.Fprintf(os.Stderr, "httpbench: %s done\n", tg.name)
	}

	header := "| measure |"
	line := "|---|"
	for _, tg := range targets {
		header += " " + tg.name + " |"
		line += "---|"
	}
	fmt.Println(header)
	fmt.Println(line)
	for _, r := range rows {
		fmt.Printf("| %s | %s |\n", r.label, strings.Join(r.values, " | "))
	}
}

func check(tg target, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpbench: %s: %v\n", tg.name, err)
		os.Exit(1)
	}
}

func formatMillis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// percentile returns the nearest-rank percentile p (0 to 1) of values.
func percentile(values []time.Duration, p float64) time.Duration {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

type rpcResponse struct {
	ID     *int64          `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Event  string          `json:"event"`
	Volume *int            `json:"volume"`
}

func request(id int64, method string, params any) []byte {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		panic(err)
	}
	return body
}

func post(client *http.Client, tg target, body []byte) (rpcResponse, error) {
	var out rpcResponse
	resp, err := client.Post(tg.url+"/mopidy/rpc", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return out, err
	}
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("POST /mopidy/rpc: status %d: %s", resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("invalid JSON-RPC response %q: %w", data, err)
	}
	if len(out.Error) > 0 {
		return out, fmt.Errorf("JSON-RPC error: %s", out.Error)
	}
	return out, nil
}

// postRate runs cfg.clients loops of POST requests for method, each on its
// own keep-alive connection, and returns the completed calls per second.
func postRate(tg target, method string, cfg settings) (float64, error) {
	deadline := time.Now().Add(cfg.duration)
	connDeadline := deadline.Add(30 * time.Second)
	warmUp := newPostConn(tg, method, 1, connDeadline)
	err := warmUp.call()
	warmUp.close()
	if err != nil {
		return 0, err
	}

	var issued, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.clients {
		wg.Go(func() {
			conn := newPostConn(tg, method, 1, connDeadline)
			defer conn.close()
			for time.Now().Before(deadline) && issued.Add(1) <= int64(cfg.maxCalls) {
				if err := conn.call(); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}

func dial(ctx context.Context, tg target) (*websocket.Conn, error) {
	url := "ws://" + strings.TrimPrefix(tg.url, "http://") + "/mopidy/ws"
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("WebSocket %s: %w", url, err)
	}
	conn.SetReadLimit(16 << 20)
	return conn, nil
}

// socketRate sends requests for method over one WebSocket, keeping
// cfg.window of them in flight, and returns the completed calls per second.
// Each reply must be a success for an id that was sent and has no reply
// yet. Whenever replies free several slots at once, the requests that
// refill them go out in one write.
func socketRate(tg target, method string, cfg settings) (float64, error) {
	deadline := time.Now().Add(cfg.duration)
	conn, err := dialWebSocket(tg, deadline.Add(30*time.Second))
	if err != nil {
		return 0, err
	}
	defer conn.close()

	slots := make(chan struct{}, cfg.window)
	readErr := make(chan error, 1)
	var issued atomic.Int64
	go func() {
		replied := make([]bool, cfg.maxCalls+1) // indexed by request id
		for {
			msg, err := conn.readMessage()
			if err != nil {
				readErr <- err
				return
			}
			r, err := scanReply(msg)
			if err != nil {
				readErr <- fmt.Errorf("invalid message %q: %w", truncate(msg), err)
				return
			}
			if r.isEvent && !r.hasID {
				continue
			}
			if !r.hasID || r.id < 1 || r.id > issued.Load() || replied[r.id] {
				readErr <- fmt.Errorf("reply for an id that is not in flight: %s", truncate(msg))
				return
			}
			if err := checkSuccess(msg, r.id); err != nil {
				readErr <- err
				return
			}
			replied[r.id] = true
			<-slots
		}
	}()

	codec := newRequestCodec(method)
	var payload, frames []byte
	start := time.Now()
	sent := 0
	for sent < cfg.maxCalls && time.Now().Before(deadline) {
		select {
		case slots <- struct{}{}:
		case err := <-readErr:
			return 0, err
		}
		batch := 1
	fill:
		for sent+batch < cfg.maxCalls {
			select {
			case slots <- struct{}{}:
				batch++
			default:
				break fill
			}
		}
		frames = frames[:0]
		for range batch {
			sent++
			payload = codec.append(payload[:0], int64(sent))
			frames = appendFrame(frames, opText, payload)
		}
		issued.Store(int64(sent))
		if err := conn.write(frames); err != nil {
			return 0, err
		}
	}
	// Holding every slot means no request is still in flight.
	for range cfg.window {
		select {
		case slots <- struct{}{}:
		case err := <-readErr:
			return 0, err
		}
	}
	elapsed := time.Since(start)
	return float64(sent) / elapsed.Seconds(), nil
}

// eventLatency opens cfg.sockets WebSockets, then changes the volume
// cfg.repeats times over POST and times each change from just before the
// request until the last socket has received the matching volume_changed
// event.
func eventLatency(tg target, cfg settings) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second}

	type arrival struct {
		volume int
		at     time.Time
	}
	arrivals := make(chan arrival, cfg.sockets*4)
	readErr := make(chan error, cfg.sockets)
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	for range cfg.sockets {
		conn, err := dial(ctx, tg)
		if err != nil {
			return nil, err
		}
		conns = append(conns, conn)
		go func() {
			for {
				_, data, err := conn.Read(ctx)
				if err != nil {
					if ctx.Err() == nil {
						readErr <- err
					}
					return
				}
				now := time.Now()
				var msg rpcResponse
				if json.Unmarshal(data, &msg) != nil || msg.Event != "volume_changed" || msg.Volume == nil {
					continue
				}
				select {
				case arrivals <- arrival{volume: *msg.Volume, at: now}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	// Give servers that subscribe after the handshake time to do so.
	time.Sleep(500 * time.Millisecond)

	var latencies []time.Duration
	for i := range cfg.repeats {
		volume := 20 + i%2*40 + i%7
		start := time.Now()
		if _, err := post(client, tg, request(int64(i+1), "core.mixer.set_volume", map[string]any{"volume": volume})); err != nil {
			return nil, err
		}
		got := 0
		var last time.Time
		timeout := time.After(cfg.eventLimit)
		for got < cfg.sockets {
			select {
			case a := <-arrivals:
				if a.volume != volume {
					continue // a late copy of an earlier change
				}
				got++
				if a.at.After(last) {
					last = a.at
				}
			case err := <-readErr:
				return nil, err
			case <-timeout:
				return nil, fmt.Errorf("volume_changed to %d reached %d of %d sockets within %s", volume, got, cfg.sockets, cfg.eventLimit)
			}
		}
		latencies = append(latencies, last.Sub(start))
		time.Sleep(50 * time.Millisecond)
	}
	return latencies, nil
}
