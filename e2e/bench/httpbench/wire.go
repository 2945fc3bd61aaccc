package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The call-rate loads speak HTTP/1.1 and WebSocket on plain TCP
// connections. The client shares the CPU with the server under test, and
// net/http's client (two goroutines per connection) and a WebSocket
// library that flushes every message cost it more CPU per call than the
// server spends. Every reply is still checked: a call counts only when its
// reply is a JSON-RPC success for the id that was sent.

// requestCodec builds JSON-RPC requests for one method without params.
type requestCodec struct {
	prefix []byte // up to the id
	suffix []byte // after the id
}

func newRequestCodec(method string) requestCodec {
	quoted, err := json.Marshal(method)
	if err != nil {
		panic(err)
	}
	return requestCodec{
		prefix: []byte(`{"jsonrpc":"2.0","id":`),
		suffix: append(append([]byte(`,"method":`), quoted...), `,"params":{}}`...),
	}
}

func (c requestCodec) append(dst []byte, id int64) []byte {
	dst = append(dst, c.prefix...)
	dst = strconv.AppendInt(dst, id, 10)
	return append(dst, c.suffix...)
}

// hostPort returns the host:port of an http:// target URL.
func hostPort(tg target) string {
	return strings.TrimPrefix(tg.url, "http://")
}

// postConn is one keep-alive HTTP/1.1 connection that sends the same
// POST /mopidy/rpc request again and again.
type postConn struct {
	addr     string
	deadline time.Time
	request  []byte // head and body
	id       int64
	conn     net.Conn
	br       *bufio.Reader
	body     []byte
}

func newPostConn(tg target, method string, id int64, deadline time.Time) *postConn {
	body := newRequestCodec(method).append(nil, id)
	head := fmt.Sprintf("POST /mopidy/rpc HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		hostPort(tg), len(body))
	return &postConn{addr: hostPort(tg), deadline: deadline, request: append([]byte(head), body...), id: id}
}

// call sends the request once and checks the reply.
func (c *postConn) call() error {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return err
		}
		if err := conn.SetDeadline(c.deadline); err != nil {
			conn.Close()
			return err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	if _, err := c.conn.Write(c.request); err != nil {
		c.close()
		return err
	}
	status, keepAlive, err := c.readResponse()
	if err != nil {
		c.close()
		return err
	}
	if !keepAlive {
		c.close()
	}
	if status != http.StatusOK {
		return fmt.Errorf("POST /mopidy/rpc: status %d: %s", status, truncate(c.body))
	}
	return checkSuccess(c.body, c.id)
}

func (c *postConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// readResponse reads one response into c.body and returns its status and
// whether the connection stays open.
func (c *postConn) readResponse() (status int, keepAlive bool, err error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	proto, rest, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	status, err = strconv.Atoi(string(code))
	if err != nil || !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("invalid HTTP status line %q", line)
	}
	keepAlive = string(proto) == "HTTP/1.1"

	length, chunked := -1, false
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("invalid HTTP header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("invalid Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keepAlive = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keepAlive = true
			}
		}
	}

	c.body = c.body[:0]
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		c.body = grow(c.body, length)
		_, err = io.ReadFull(c.br, c.body)
	default:
		// No length: the body ends when the server closes the connection.
		keepAlive = false
		c.body, err = io.ReadAll(c.br)
	}
	return status, keepAlive, err
}

func (c *postConn) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		sizeText, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(sizeText)), 16, 32)
		if err != nil || size < 0 {
			return fmt.Errorf("invalid chunk size %q", line)
		}
		if size == 0 {
			// Trailers, if any, end with an empty line.
			for {
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(c.body)
		c.body = grow(c.body, start+int(size))
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return err
		}
		var crlf [2]byte
		if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
			return err
		}
	}
}

// grow returns b resized to n bytes, keeping its first bytes.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		nb := make([]byte, n, max(n, 2*cap(b)))
		copy(nb, b)
		return nb
	}
	return b[:n]
}

// WebSocket opcodes of RFC 6455.
const (
	opContinuation = 0x0
	opText         = 0x1
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// wsConn is the client end of a WebSocket (RFC 6455) without extensions.
// Requests are written in batches, several frames per system call.
type wsConn struct {
	conn net.Conn
	br   *bufio.Reader

	writeMu sync.Mutex // serialises request frames and pong frames
	pong    []byte

	msg []byte // the message being read
}

func dialWebSocket(tg target, deadline time.Time) (*wsConn, error) {
	conn, err := net.Dial("tcp", hostPort(tg))
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return nil, err
	}

	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	handshake := "GET /mopidy/ws HTTP/1.1\r\nHost: " + hostPort(tg) + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, handshake); err != nil {
		conn.Close()
		return nil, err
	}

	br := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("WebSocket handshake: %w", err)
	}
	resp.Body.Close()

	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("WebSocket handshake: status %d, Sec-WebSocket-Accept %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	return &wsConn{conn: conn, br: br}, nil
}

// appendFrame appends one final, masked client frame.
func appendFrame(dst []byte, opcode byte, payload []byte) []byte {
	dst = append(dst, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], mathrand.Uint32())
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// write sends frames built with appendFrame in one system call.
func (c *wsConn) write(frames []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.conn.Write(frames)
	return err
}

// readMessage returns the next text message. It replies to pings with
// pongs and returns an error when the server closes. The message is valid until the next
// call.
func (c *wsConn) readMessage() ([]byte, error) {
	c.msg = c.msg[:0]
	for {
		var head [2]byte
		if _, err := io.ReadFull(c.br, head[:]); err != nil {
			return nil, err
		}
		fin, opcode := head[0]&0x80 != 0, head[0]&0x0F
		if head[0]&0x70 != 0 {
			return nil, errors.New("WebSocket frame with reserved bits set: no extension was negotiated")
		}
		if head[1]&0x80 != 0 {
			return nil, errors.New("masked WebSocket frame from the server")
		}
		length := uint64(head[1] & 0x7F)
		switch length {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(c.br, ext[:]); err != nil {
				return nil, err
			}
			length = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(c.br, ext[:]); err != nil {
				return nil, err
			}
			length = binary.BigEndian.Uint64(ext[:])
		}
		if length > 16<<20 {
			return nil, fmt.Errorf("WebSocket frame of %d bytes is over the 16 MiB limit", length)
		}
		start := len(c.msg)
		c.msg = grow(c.msg, start+int(length))
		if _, err := io.ReadFull(c.br, c.msg[start:]); err != nil {
			return nil, err
		}
		switch opcode {
		case opText, opContinuation:
			if fin {
				return c.msg, nil
			}
		case opPing:
			payload := c.msg[start:]
			c.pong = appendFrame(c.pong[:0], opPong, payload)
			c.msg = c.msg[:start]
			if err := c.write(c.pong); err != nil {
				return nil, err
			}
		case opPong:
			c.msg = c.msg[:start]
		case opClose:
			return nil, fmt.Errorf("WebSocket closed by the server: %q", c.msg[start:])
		default:
			return nil, fmt.Errorf("WebSocket frame with opcode %d", opcode)
		}
	}
}

func (c *wsConn) close() error {
	return c.conn.Close()
}
