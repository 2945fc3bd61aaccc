package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/tonearm/tonearm/internal/passhash"
	"github.com/tonearm/tonearm/internal/secrets"
)

func (r *runner) store() (*secrets.Store, error) {
	return secrets.Open(secrets.Options{Dir: r.cfg.Core.ConfigDir,
		Logger: r.log.With("component", "secrets")})
}

// readValue reads a secret from the terminal without echo, or else the
// first line of standard input.
func (r *runner) readValue(prompt string) (string, error) {
	if f, ok := r.opts.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(r.opts.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(r.opts.Stderr)
		if err != nil {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
		return string(b), nil
	}
	br := bufio.NewReader(io.LimitReader(r.opts.Stdin, secrets.MaxValueSize+2))
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no value on standard input; type it at a terminal or pipe it in")
	}
	return line, nil
}

func (r *runner) runSecretSet() error {
	name := r.inv.args[0]
	if err := secrets.CheckName(name); err != nil {
		return err
	}
	s, err := r.store()
	if err != nil {
		return err
	}
	value, err := r.readValue(fmt.Sprintf("Value for secret %s: ", name))
	if err != nil {
		return err
	}
	if err := s.Set(name, value); err != nil {
		return err
	}
	fmt.Fprintf(r.opts.Stdout, "stored %s; refer to it as secret:%s\n", name, name)
	return nil
}

func (r *runner) runSecretList() error {
	s, err := r.store()
	if err != nil {
		return err
	}
	names, err := s.List()
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(r.opts.Stdout, n)
	}
	return nil
}

func (r *runner) runSecretRemove() error {
	s, err := r.store()
	if err != nil {
		return err
	}
	if err := s.Delete(r.inv.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(r.opts.Stdout, "removed %s\n", r.inv.args[0])
	return nil
}

func (r *runner) runSecretHash() error {
	pw, err := r.readValue("Password: ")
	if err != nil {
		return err
	}
	h, err := passhash.Hash(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(r.opts.Stdout, h)
	return nil
}
