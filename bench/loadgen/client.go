package main

// A minimal HTTP/1.1 keep-alive client: it writes pre-built request bytes and reads just enough of the
// response (status, Content-Length or chunked body, Connection: close) to reuse the connection.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

type connection struct {
	address string
	conn    net.Conn
	reader  *bufio.Reader
}

func (c *connection) dial() error {
	conn, err := net.DialTimeout("tcp", c.address, 5*time.Second)
	if err != nil {
		return err
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetNoDelay(true)
	}
	c.conn = conn
	c.reader = bufio.NewReaderSize(conn, 16*1024)
	return nil
}

func (c *connection) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// do sends one request and returns the response status. On any error the connection is closed, and
// the next call dials again.
func (c *connection) do(header, body []byte, timeout time.Duration) (int, error) {
	if c.conn == nil {
		if err := c.dial(); err != nil {
			return 0, err
		}
	}
	_ = c.conn.SetDeadline(time.Now().Add(timeout))
	buffers := net.Buffers{header, body}
	if _, err := buffers.WriteTo(c.conn); err != nil {
		c.close()
		return 0, err
	}
	status, keepAlive, err := c.readResponse()
	if err != nil {
		c.close()
		return 0, err
	}
	if !keepAlive {
		c.close()
	}
	return status, nil
}

func (c *connection) readResponse() (status int, keepAlive bool, err error) {
	line, err := c.reader.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	fields := bytes.Fields(line)
	if len(fields) < 2 || !bytes.HasPrefix(fields[0], []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("invalid HTTP status line %q", line)
	}
	if status, err = strconv.Atoi(string(fields[1])); err != nil {
		return 0, false, fmt.Errorf("invalid HTTP status %q", fields[1])
	}

	keepAlive = true
	contentLength := int64(0)
	chunked := false
	for {
		line, err = c.reader.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			contentLength, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("invalid Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("connection")):
			keepAlive = !bytes.EqualFold(value, []byte("close"))
		}
	}

	if chunked {
		err = c.discardChunked()
	} else if contentLength > 0 {
		_, err = c.reader.Discard(int(contentLength))
	}
	return status, keepAlive, err
}

func (c *connection) discardChunked() error {
	for {
		line, err := c.reader.ReadSlice('\n')
		if err != nil {
			return err
		}
		sizeText, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(sizeText)), 16, 64)
		if err != nil {
			return fmt.Errorf("invalid chunk size %q", sizeText)
		}
		if size == 0 {
			// Skip optional trailers up to the empty line.
			for {
				trailer, err := c.reader.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(trailer, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := c.reader.Discard(int(size) + 2); err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
}
