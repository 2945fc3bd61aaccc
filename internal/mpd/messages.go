package mpd

import (
	"context"
	"sort"
	"sync"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// Bounds of client-to-client messaging.
const (
	maxChannelName     = 64
	maxMessageLen      = 4096
	maxChannelsPerConn = DefaultMaxSubscriptions
	maxQueuedMessages  = DefaultMaxMessages
)

type message struct{ channel, text string }

// messageBroker keeps channel subscriptions and each subscriber's queue of
// unread messages. A full queue drops the oldest message.
type messageBroker struct {
	mu     sync.Mutex
	subs   map[string]map[*conn]bool
	queues map[*conn][]message
}

func newMessageBroker() *messageBroker {
	return &messageBroker{subs: map[string]map[*conn]bool{}, queues: map[*conn][]message{}}
}

// validChannel allows the characters MPD 0.23 allows in a channel name:
// letters, digits and "_-.:".
func validChannel(name string) bool {
	if name == "" || len(name) > maxChannelName {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		ok := (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			ch == '_' || ch == '-' || ch == '.' || ch == ':'
		if !ok {
			return false
		}
	}
	return true
}

func (b *messageBroker) subscribe(c *conn, channel string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[channel][c] {
		return protocol.Errorf(protocol.AckExist, "already subscribed to this channel")
	}
	n := 0
	for _, m := range b.subs {
		if m[c] {
			n++
		}
	}
	if n >= maxChannelsPerConn {
		return protocol.Errorf(protocol.AckPlaylistMax, "too many subscriptions")
	}
	if b.subs[channel] == nil {
		b.subs[channel] = map[*conn]bool{}
	}
	b.subs[channel][c] = true
	return nil
}

func (b *messageBroker) unsubscribe(c *conn, channel string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.subs[channel][c] {
		return false
	}
	delete(b.subs[channel], c)
	if len(b.subs[channel]) == 0 {
		delete(b.subs, channel)
	}
	return true
}

func (b *messageBroker) unsubscribeAll(c *conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, m := range b.subs {
		delete(m, c)
		if len(m) == 0 {
			delete(b.subs, ch)
		}
	}
	delete(b.queues, c)
}

func (b *messageBroker) channels() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.subs))
	for ch := range b.subs {
		out = append(out, ch)
	}
	sort.Strings(out)
	return out
}

// send queues text for every subscriber of channel and returns them.
func (b *messageBroker) send(channel, text string) []*conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	var receivers []*conn
	for c := range b.subs[channel] {
		q := append(b.queues[c], message{channel, text})
		if len(q) > maxQueuedMessages {
			q = q[len(q)-maxQueuedMessages:]
		}
		b.queues[c] = q
		receivers = append(receivers, c)
	}
	return receivers
}

func (b *messageBroker) read(c *conn) []message {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[c]
	delete(b.queues, c)
	return q
}

func cmdSubscribe(_ context.Context, c *conn, args []string) error {
	if !validChannel(args[0]) {
		return protocol.Errorf(protocol.AckArg, "invalid channel name")
	}
	if err := c.s.messages.subscribe(c, args[0]); err != nil {
		return err
	}
	c.s.notifyAll("subscription")
	return nil
}

func cmdUnsubscribe(_ context.Context, c *conn, args []string) error {
	if !c.s.messages.unsubscribe(c, args[0]) {
		return protocol.Errorf(protocol.AckNoExist, "not subscribed to this channel")
	}
	c.s.notifyAll("subscription")
	return nil
}

func cmdChannels(_ context.Context, c *conn, _ []string) error {
	for _, ch := range c.s.messages.channels() {
		c.w.Pair("channel", ch)
	}
	return nil
}

func cmdReadMessages(_ context.Context, c *conn, _ []string) error {
	for _, m := range c.s.messages.read(c) {
		c.w.Pair("channel", m.channel)
		c.w.Pair("message", m.text)
	}
	return nil
}

func cmdSendMessage(_ context.Context, c *conn, args []string) error {
	if !validChannel(args[0]) {
		return protocol.Errorf(protocol.AckArg, "invalid channel name")
	}
	if len(args[1]) > maxMessageLen {
		return protocol.Errorf(protocol.AckArg, "message too long")
	}
	receivers := c.s.messages.send(args[0], args[1])
	if len(receivers) == 0 {
		return protocol.Errorf(protocol.AckNoExist, "nobody is subscribed to this channel")
	}
	bit := mustSubsystem("message")
	for _, r := range receivers {
		r.notify(bit)
	}
	return nil
}
