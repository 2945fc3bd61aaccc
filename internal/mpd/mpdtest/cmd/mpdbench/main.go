// Command mpdbench measures the Tonearm MPD frontend against MPD 0.23 on
// the same generated library:
//
//	go run ./internal/testutil/fixtures/cmd/mklibrary -n 10000 -seed 1 DIR
//	go run ./internal/mpd/mpdtest/cmd/mpdbench run -music DIR -n 10000 -seed 1
//
// "run" starts Debian's mpd and a Tonearm frontend (this program again, as
// "serve") as separate processes, so each one's resident memory can be
// read from /proc, and prints one Markdown table.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mpdbench run|serve -music DIR -n N -seed S")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	music := fs.String("music", "", "music folder written by mklibrary")
	n := fs.Int("n", 10000, "number of tracks mklibrary wrote")
	seed := fs.Int64("seed", 1, "seed mklibrary used")
	duration := fs.Duration("duration", 5*time.Second, "length of the status round-trip run")
	clients := fs.Int("clients", 100, "idle clients connected for the memory reading")
	fs.Parse(os.Args[2:])
	if *music == "" {
		fmt.Fprintln(os.Stderr, "mpdbench: -music is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, *music, *n, *seed)
	case "run":
		err = run(ctx, *music, *n, *seed, *duration, *clients)
	default:
		err = fmt.Errorf("unknown mode %q: use run or serve", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mpdbench:", err)
		os.Exit(1)
	}
}

// serve runs the frontend over the real core and in-memory backends
// holding the library's tags, and prints its address.
func serve(ctx context.Context, music string, n int, seed int64) error {
	tracks, err := mpdtest.Tracks(music, fixtures.PlanLibrary(n, seed))
	if err != nil {
		return err
	}
	sockDir, err := os.MkdirTemp("", "mpdbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(sockDir)
	data, err := os.MkdirTemp("", "mpdbench-data")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fe, err := mpdtest.StartRealCore(mpd.Config{DataDir: data, MusicDir: music, MaxConnections: 1000}, tracks, time.Hour, sockDir, log)
	if err != nil {
		return err
	}
	fmt.Println(fe.Addr)
	<-ctx.Done()
	return fe.Stop()
}

type result struct {
	statusPerSecond float64
	search          time.Duration
	listAllInfo     time.Duration
	listGrouped     time.Duration
	rssIdle         int64 // KiB
}

func run(ctx context.Context, music string, n int, seed int64, d time.Duration, clients int) error {
	work, err := os.MkdirTemp("", "mpdbench-mpd")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintln(os.Stderr, "starting mpd and building its database...")
	real, err := mpdtest.StartRealMPD(ctx, music, work)
	if err != nil {
		return err
	}
	defer real.Stop()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv := exec.CommandContext(ctx, self, "serve", "-music", music, "-n", strconv.Itoa(n), "-seed", strconv.FormatInt(seed, 10))
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the frontend's address: %w", err)
	}
	addr = strings.TrimSpace(addr)

	word, err := searchWord(real.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "measuring mpd at %s and tonearm at %s, search word %q\n", real.Addr, addr, word)
	mpdResult, err := measure(real.Addr, real.PID(), word, d, clients)
	if err != nil {
		return fmt.Errorf("mpd: %w", err)
	}
	tonearmResult, err := measure(addr, srv.Process.Pid, word, d, clients)
	if err != nil {
		return fmt.Errorf("tonearm: %w", err)
	}
	printTable(n, clients, mpdResult, tonearmResult)
	return nil
}

// searchWord returns the first word of the first album name, a term that
// matches some but not all tracks.
func searchWord(addr string) (string, error) {
	lines, err := mpdtest.Exchange(addr, "list album")
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "Album: "); ok && v != "" {
			return strings.Fields(v)[0], nil
		}
	}
	return "", errors.New("no album in the library")
}

type conn struct {
	nc net.Conn
	r  *bufio.Reader
}

func dial(addr string) (*conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 1<<16)}
	if _, err := c.r.ReadString('\n'); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// do sends one command and reads its reply, returning the number of lines.
func (c *conn) do(cmd string) (int, error) {
	if _, err := fmt.Fprintf(c.nc, "%s\n", cmd); err != nil {
		return 0, err
	}
	lines := 0
	for {
		l, err := c.r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return lines, err
		}
		lines++
		if string(l) == "OK\n" {
			return lines, nil
		}
		if strings.HasPrefix(string(l), "ACK ") {
			return lines, fmt.Errorf("%s: %s", cmd, strings.TrimSpace(string(l)))
		}
	}
}

// median runs cmd runs times and returns the median duration.
func median(c *conn, cmd string, runs int) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		if _, err := c.do(cmd); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

func measure(addr string, pid int, word string, d time.Duration, clients int) (result, error) {
	var r result
	c, err := dial(addr)
	if err != nil {
		return r, err
	}
	defer c.nc.Close()

	count := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := c.do("status"); err != nil {
			return r, err
		}
		count++
	}
	r.statusPerSecond = float64(count) / time.Since(start).Seconds()

	if r.search, err = median(c, "search any "+strconv.Quote(word), 21); err != nil {
		return r, err
	}
	if r.listAllInfo, err = median(c, "listallinfo", 5); err != nil {
		return r, err
	}
	if r.listGrouped, err = median(c, "list album group albumartist", 5); err != nil {
		return r, err
	}

	var idle []*conn
	defer func() {
		for _, ic := range idle {
			ic.nc.Close()
		}
	}()
	for i := 0; i < clients; i++ {
		ic, err := dial(addr)
		if err != nil {
			return r, fmt.Errorf("idle client %d: %w", i+1, err)
		}
		fmt.Fprintf(ic.nc, "idle\n")
		idle = append(idle, ic)
	}
	time.Sleep(time.Second)
	r.rssIdle, err = rssKiB(pid)
	return r, err
}

func rssKiB(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS line")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func printTable(n, clients int, m, t result) {
	fmt.Printf("| measure (%d tracks) | MPD 0.23 | Tonearm |\n|---|---|---|\n", n)
	fmt.Printf("| status round trips per second, one connection | %.0f | %.0f |\n", m.statusPerSecond, t.statusPerSecond)
	fmt.Printf("| search any, median of 21 | %s | %s |\n", ms(m.search), ms(t.search))
	fmt.Printf("| listallinfo, median of 5 | %s | %s |\n", ms(m.listAllInfo), ms(t.listAllInfo))
	fmt.Printf("| list album group albumartist, median of 5 | %s | %s |\n", ms(m.listGrouped), ms(t.listGrouped))
	fmt.Printf("| resident memory with %d idle clients | %d MiB | %d MiB |\n", clients, m.rssIdle/1024, t.rssIdle/1024)
}
