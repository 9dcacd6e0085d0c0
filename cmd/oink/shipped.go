package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oinkhq/oink/shipped"
)

// fileFlag is a flag naming a file: its name for messages ("--rules") and
// its value.
type fileFlag struct {
	name string
	path *string
}

// shippedFile returns a path to read for a file flag: the path itself when
// it exists, or — when it is one of the files shipped in the binary (the
// default of --rules and --plan) and does not exist here — a copy of the
// shipped bytes written under dir. Any other missing path is a usage error
// naming the flag (exit 2, as in every command that reads a rules or plan
// file).
func shippedFile(f fileFlag, dir string) (string, error) {
	path := *f.path
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	data, ok := shipped.Files()[filepath.ToSlash(filepath.Clean(path))]
	if !ok {
		return "", usageError{fmt.Errorf("%s %s: no such file; name an existing file, "+
			"or leave %s at its default to use the copy built into oink", f.name, path, f.name)}
	}
	out := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return "", err
	}
	return out, nil
}

// useShipped points each flag at a file to read: its own value when that
// exists, or a copy of the shipped file it names (shippedFile) in a
// temporary directory, which the returned function removes.
func useShipped(flags ...fileFlag) (func(), error) {
	dir, err := os.MkdirTemp("", "oink-shipped-")
	if err != nil {
		return func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	for _, f := range flags {
		if *f.path, err = shippedFile(f, dir); err != nil {
			cleanup()
			return func() {}, err
		}
	}
	return cleanup, nil
}
