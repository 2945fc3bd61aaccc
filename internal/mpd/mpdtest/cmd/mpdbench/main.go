// Command mpdbench measures the tonearm server's MPD frontend against
// MPD 0.23 on the same generated library:
//
//	go run ./internal/testutil/fixtures/cmd/mklibrary -n 10000 -seed 1 DIR
//	go build -o BIN ./cmd/tonearm
//	go run ./internal/mpd/mpdtest/cmd/mpdbench -music DIR -tonearm BIN
//
// It scans DIR into a fresh SQLite library with "tonearm local scan",
// starts Debian's mpd and the tonearm server as separate processes on free
// loopback ports, measures one and then the other, and prints a Markdown
// table. Each process is stopped by its process id before mpdbench exits.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
)

// Bounds on each step, so a hung server ends the run with an error.
const (
	scanTimeout    = 15 * time.Minute
	startTimeout   = 60 * time.Second
	commandTimeout = 60 * time.Second
	stopTimeout    = 10 * time.Second
)

type options struct {
	music, tonearm, work string
	duration             time.Duration
	clients              int
	searches, listings   int
}

func main() {
	var o options
	flag.StringVar(&o.music, "music", "", "music folder written by mklibrary (required)")
	flag.StringVar(&o.tonearm, "tonearm", "", "tonearm binary built from ./cmd/tonearm (required)")
	flag.StringVar(&o.work, "work", "", "folder for both servers' config, database and logs; default a new temporary folder, removed at the end")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "status round-trip time on each server, split into runs that alternate between the servers")
	flag.IntVar(&o.clients, "clients", 100, "idle clients connected for the memory reading")
	flag.IntVar(&o.searches, "searches", 21, "search any runs; the median is reported")
	flag.IntVar(&o.listings, "listings", 5, "runs of each whole-library listing; the median is reported")
	flag.Parse()
	if o.music == "" || o.tonearm == "" {
		fmt.Fprintln(os.Stderr, "mpdbench: -music and -tonearm are required")
		flag.Usage()
		os.Exit(2)
	}
	if o.clients < 0 || o.clients > 900 || o.searches < 1 || o.listings < 1 {
		fmt.Fprintln(os.Stderr, "mpdbench: -clients must be 0..900, -searches and -listings at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "mpdbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	var err error
	if o.music, err = filepath.Abs(o.music); err != nil {
		return err
	}
	if o.tonearm, err = filepath.Abs(o.tonearm); err != nil {
		return err
	}
	if o.work == "" {
		if o.work, err = os.MkdirTemp("", "mpdbench"); err != nil {
			return err
		}
		defer os.RemoveAll(o.work)
	}
	mpdWork := filepath.Join(o.work, "mpd")
	tonearmWork := filepath.Join(o.work, "tonearm")
	for _, d := range []string{mpdWork, tonearmWork} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}

	ta := &tonearm{bin: o.tonearm, dir: tonearmWork}
	if err := ta.writeConfig(o.music); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "scanning the library with tonearm local scan...")
	taScan, err := ta.scan(ctx)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "starting mpd and building its database...")
	mpdStart := time.Now()
	real, err := mpdtest.StartRealMPD(ctx, o.music, mpdWork)
	if err != nil {
		return err
	}
	defer real.Stop()
	mpdScan := time.Since(mpdStart)

	if err := ta.start(ctx); err != nil {
		return err
	}
	defer ta.stop()

	word, err := searchWord(real.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "measuring mpd (pid %d) at %s, then tonearm (pid %d) at %s; search word %q\n",
		real.PID(), real.Addr, ta.cmd.Process.Pid, ta.addr, word)
	mpdResult, err := measure(real.Addr, real.PID(), word, o)
	if err != nil {
		return fmt.Errorf("mpd: %w", err)
	}
	tonearmResult, err := measure(ta.addr, ta.cmd.Process.Pid, word, o)
	if err != nil {
		return fmt.Errorf("tonearm: %w", err)
	}
	fmt.Fprintf(os.Stderr, "measuring status round trips on both servers in turn for %s...\n", 2*o.duration)
	if err := measureStatus([]string{real.Addr, ta.addr}, []int{real.PID(), ta.cmd.Process.Pid},
		[]*result{&mpdResult, &tonearmResult}, o.duration); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	mpdResult.scan, tonearmResult.scan = mpdScan, taScan
	if err := sameAnswers(mpdResult, tonearmResult); err != nil {
		return err
	}
	printTable(o, mpdResult, tonearmResult)
	return nil
}

// tonearm is the tonearm server under test, with its own config, data and
// log in dir.
type tonearm struct {
	bin, dir string
	cmd      *exec.Cmd
	addr     string
	done     chan error
}

func (t *tonearm) configPath() string { return filepath.Join(t.dir, "tonearm.conf") }

// writeConfig sets up a server with the null output, no HTTP frontend and
// MPD on a free loopback port. MPD gets no per-address connection limit,
// because every idle client connects from 127.0.0.1, and allows
// listallinfo, which Mopidy-MPD's default command_blacklist refuses.
func (t *tonearm) writeConfig(music string) error {
	conf := fmt.Sprintf(`[core]
data_dir = %[1]s/data
cache_dir = %[1]s/cache
config_dir = %[1]s/config

[audio]
output = null

[local]
media_dir = %[2]s

[file]
media_dirs = %[2]s|Music

[mpd]
hostname = 127.0.0.1
port = 0
max_connections = 1000
max_connections_per_address = 0
command_blacklist =

[http]
enabled = false
`, t.dir, music)
	return os.WriteFile(t.configPath(), []byte(conf), 0o600)
}

func (t *tonearm) args(command ...string) []string {
	args := []string{"--config", t.configPath()}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	return append(args, command...)
}

// scan runs "tonearm local scan" and returns its wall time.
func (t *tonearm) scan(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	log, err := os.Create(filepath.Join(t.dir, "scan.log"))
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, t.bin, t.args("local", "scan")...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("tonearm local scan failed (log in %s): %w", log.Name(), err)
	}
	return time.Since(start), nil
}

// start runs the server and waits for the log line that gives the MPD
// frontend's address. The log goes on to server.log.
func (t *tonearm) start(ctx context.Context) error {
	log, err := os.Create(filepath.Join(t.dir, "server.log"))
	if err != nil {
		return err
	}
	t.cmd = exec.Command(t.bin, t.args()...)
	stderr, err := t.cmd.StderrPipe()
	if err != nil {
		log.Close()
		return err
	}
	t.cmd.Stdout = log
	if err := t.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start tonearm: %w", err)
	}
	t.done = make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		defer log.Close()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			if addr, ok := listenAddress(line); ok {
				select {
				case addrc <- addr:
				default:
				}
			}
		}
		io.Copy(log, stderr)
		t.done <- t.cmd.Wait()
	}()
	select {
	case t.addr = <-addrc:
		return nil
	case err := <-t.done:
		t.cmd = nil
		return fmt.Errorf("tonearm exited before listening (log in %s): %v", log.Name(), err)
	case <-time.After(startTimeout):
	case <-ctx.Done():
	}
	t.stop()
	return fmt.Errorf("tonearm did not log its MPD address within %s (log in %s)", startTimeout, log.Name())
}

// listenAddress returns the address of a TCP "MPD frontend listening" log
// line.
func listenAddress(line string) (string, bool) {
	if !strings.Contains(line, `msg="MPD frontend listening"`) || !strings.Contains(line, "local=false") {
		return "", false
	}
	for _, f := range strings.Fields(line) {
		if addr, ok := strings.CutPrefix(f, "address="); ok {
			return addr, true
		}
	}
	return "", false
}

// stop interrupts the server by its process id, as Ctrl-C would, and kills
// it when it has not exited within stopTimeout.
func (t *tonearm) stop() {
	if t.cmd == nil {
		return
	}
	t.cmd.Process.Signal(os.Interrupt)
	select {
	case <-t.done:
	case <-time.After(stopTimeout):
		fmt.Fprintf(os.Stderr, "tonearm (pid %d) did not stop within %s: killing it\n", t.cmd.Process.Pid, stopTimeout)
		t.cmd.Process.Kill()
		<-t.done
	}
	t.cmd = nil
}

type result struct {
	scan            time.Duration
	firstListing    time.Duration
	statusPerSecond float64
	statusCPU       time.Duration // server CPU time per status round trip
	search          time.Duration
	listAllInfo     time.Duration
	listGrouped     time.Duration
	rssNoClients    int64 // KiB
	rssIdle         int64 // KiB

	// Reply sizes, compared between the servers so that both do the same
	// work.
	searchSongs, allSongs, groupedLines int
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
	nc, err := net.DialTimeout("tcp", addr, commandTimeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(commandTimeout))
	c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 1<<16)}
	if _, err := c.r.ReadString('\n'); err != nil {
		nc.Close()
		return nil, fmt.Errorf("read the greeting: %w", err)
	}
	return c, nil
}

// reply counts the lines of one response.
type reply struct {
	lines, songs int
}

// do sends one command and reads its reply within commandTimeout.
func (c *conn) do(cmd string) (reply, error) {
	var r reply
	c.nc.SetDeadline(time.Now().Add(commandTimeout))
	if _, err := fmt.Fprintf(c.nc, "%s\n", cmd); err != nil {
		return r, err
	}
	for {
		l, err := c.r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return r, fmt.Errorf("%s: %w", cmd, err)
		}
		r.lines++
		if string(l) == "OK\n" {
			return r, nil
		}
		if strings.HasPrefix(string(l), "file: ") {
			r.songs++
		}
		if strings.HasPrefix(string(l), "ACK ") {
			return r, fmt.Errorf("%s: %s", cmd, strings.TrimSpace(string(l)))
		}
	}
}

// timed runs cmd once and returns its duration and reply.
func (c *conn) timed(cmd string) (time.Duration, reply, error) {
	start := time.Now()
	r, err := c.do(cmd)
	return time.Since(start), r, err
}

// median runs cmd runs times and returns the median duration and the last
// reply.
func median(c *conn, cmd string, runs int) (time.Duration, reply, error) {
	var ds []time.Duration
	var r reply
	for range runs {
		d, rep, err := c.timed(cmd)
		if err != nil {
			return 0, r, err
		}
		ds = append(ds, d)
		r = rep
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], r, nil
}

func measure(addr string, pid int, word string, o options) (result, error) {
	var r result
	c, err := dial(addr)
	if err != nil {
		return r, err
	}
	defer c.nc.Close()

	// The first whole-library listing after start, which may fill caches.
	if r.firstListing, _, err = c.timed("listallinfo"); err != nil {
		return r, err
	}

	var rep reply
	if r.search, rep, err = median(c, "search any "+strconv.Quote(word), o.searches); err != nil {
		return r, err
	}
	r.searchSongs = rep.songs
	if r.listAllInfo, rep, err = median(c, "listallinfo", o.listings); err != nil {
		return r, err
	}
	r.allSongs = rep.songs
	if r.listGrouped, rep, err = median(c, "list album group albumartist", o.listings); err != nil {
		return r, err
	}
	r.groupedLines = rep.lines
	if r.rssNoClients, err = rssKiB(pid); err != nil {
		return r, err
	}

	var idle []*conn
	defer func() {
		for _, ic := range idle {
			ic.nc.Close()
		}
	}()
	for i := range o.clients {
		ic, err := dial(addr)
		if err != nil {
			return r, fmt.Errorf("idle client %d: %w", i+1, err)
		}
		idle = append(idle, ic)
		if _, err := fmt.Fprintf(ic.nc, "idle\n"); err != nil {
			return r, fmt.Errorf("idle client %d: %w", i+1, err)
		}
	}
	// The servers read "idle" and park the clients within a second on
	// loopback. The status round trip below checks that they still respond.
	time.Sleep(time.Second)
	if _, err := c.do("status"); err != nil {
		return r, err
	}
	r.rssIdle, err = rssKiB(pid)
	return r, err
}

// statusRounds is the number of status runs on each server. The runs
// alternate between the servers, so a change in the machine's load
// during the measurement affects both alike.
const statusRounds = 10

// statusRun is one server's share of the interleaved status measurement.
type statusRun struct {
	c     *conn
	pid   int
	rates []float64
	count int
	cpu   time.Duration
}

// measureStatus sends status round trips on one connection to each
// server, in statusRounds runs of d/statusRounds per server. Each round
// starts with the next server in turn. It stores the median rate of the
// runs and the server CPU time per round trip in each result.
func measureStatus(addrs []string, pids []int, results []*result, d time.Duration) error {
	runs := make([]*statusRun, len(addrs))
	for i, addr := range addrs {
		c, err := dial(addr)
		if err != nil {
			return err
		}
		defer c.nc.Close()
		runs[i] = &statusRun{c: c, pid: pids[i]}
	}
	slice := d / statusRounds
	for round := range statusRounds {
		for k := range runs {
			run := runs[(k+round)%len(runs)]
			before, err := cpuTime(run.pid)
			if err != nil {
				return err
			}
			count := 0
			start := time.Now()
			for time.Since(start) < slice {
				if _, err := run.c.do("status"); err != nil {
					return err
				}
				count++
			}
			run.rates = append(run.rates, float64(count)/time.Since(start).Seconds())
			after, err := cpuTime(run.pid)
			if err != nil {
				return err
			}
			run.count += count
			run.cpu += after - before
		}
	}
	for i, run := range runs {
		sort.Float64s(run.rates)
		results[i].statusPerSecond = run.rates[len(run.rates)/2]
		results[i].statusCPU = run.cpu / time.Duration(run.count)
	}
	return nil
}

// sameAnswers checks that both servers returned replies of the same size,
// so neither was timed on less work.
func sameAnswers(m, t result) error {
	var diffs []string
	if m.searchSongs != t.searchSongs {
		diffs = append(diffs, fmt.Sprintf("search any: mpd %d songs, tonearm %d", m.searchSongs, t.searchSongs))
	}
	if m.allSongs != t.allSongs {
		diffs = append(diffs, fmt.Sprintf("listallinfo: mpd %d songs, tonearm %d", m.allSongs, t.allSongs))
	}
	if m.groupedLines != t.groupedLines {
		diffs = append(diffs, fmt.Sprintf("list album group albumartist: mpd %d lines, tonearm %d", m.groupedLines, t.groupedLines))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the servers' replies differ in size: %s", strings.Join(diffs, "; "))
	}
	fmt.Fprintf(os.Stderr, "replies match in size: search any %d songs, listallinfo %d songs, list album group albumartist %d lines\n",
		m.searchSongs, m.allSongs, m.groupedLines)
	return nil
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
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS line", pid)
}

// cpuTime returns the user and system CPU time that process pid used so
// far, from /proc/PID/stat. It counts a clock tick as 10 ms: USER_HZ is
// 100 on x86 and arm Linux (getconf CLK_TCK prints it).
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may contain spaces. The
	// fields after it start with the state, and utime and stime are the
	// 12th and 13th of them.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat has %d fields after the command name, want at least 13", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// ahead names the server with the lower value, or "even" within 5%.
func ahead(mpd, tonearm float64) string {
	switch {
	case tonearm < mpd*0.95:
		return "Tonearm"
	case mpd < tonearm*0.95:
		return "MPD"
	}
	return "even"
}

func printTable(o options, m, t result) {
	fmt.Printf("| measure (%d songs) | MPD | Tonearm | ahead |\n|---|---|---|---|\n", m.allSongs)
	fmt.Printf("| status round trips per second, one connection, median of %d runs | %.0f | %.0f | %s |\n", statusRounds,
		m.statusPerSecond, t.statusPerSecond, ahead(1/m.statusPerSecond, 1/t.statusPerSecond))
	fmt.Printf("| server CPU time per status round trip | %.1f µs | %.1f µs | %s |\n",
		us(m.statusCPU), us(t.statusCPU), ahead(float64(m.statusCPU), float64(t.statusCPU)))
	fmt.Printf("| search any (%d songs found), median of %d | %s | %s | %s |\n", m.searchSongs, o.searches,
		ms(m.search), ms(t.search), ahead(float64(m.search), float64(t.search)))
	fmt.Printf("| listallinfo, median of %d | %s | %s | %s |\n", o.listings,
		ms(m.listAllInfo), ms(t.listAllInfo), ahead(float64(m.listAllInfo), float64(t.listAllInfo)))
	fmt.Printf("| list album group albumartist, median of %d | %s | %s | %s |\n", o.listings,
		ms(m.listGrouped), ms(t.listGrouped), ahead(float64(m.listGrouped), float64(t.listGrouped)))
	fmt.Printf("| resident memory with %d idle clients | %.1f MiB | %.1f MiB | %s |\n", o.clients,
		mib(m.rssIdle), mib(t.rssIdle), ahead(float64(m.rssIdle), float64(t.rssIdle)))
	fmt.Printf("| resident memory before the idle clients | %.1f MiB | %.1f MiB | %s |\n",
		mib(m.rssNoClients), mib(t.rssNoClients), ahead(float64(m.rssNoClients), float64(t.rssNoClients)))
	fmt.Printf("| first listallinfo after start | %s | %s | %s |\n",
		ms(m.firstListing), ms(t.firstListing), ahead(float64(m.firstListing), float64(t.firstListing)))
	fmt.Printf("| library scan (mpd: start to database ready) | %.1f s | %.1f s | %s |\n",
		m.scan.Seconds(), t.scan.Seconds(), ahead(float64(m.scan), float64(t.scan)))
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
