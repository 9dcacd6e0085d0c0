package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oinkhq/oink/shipped"
)

// shippedFile returns a path to read for a file flag: path itself when it
// exists, or — when path is one of the files shipped in the binary (the
// default of --rules and --plan) and does not exist here — a copy of the
// shipped bytes written under dir. Other missing paths come back as given,
// for the caller's own error.
func shippedFile(path, dir string) (string, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	data, ok := shipped.Files()[filepath.ToSlash(filepath.Clean(path))]
	if !ok {
		return path, nil
	}
	out := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return "", err
	}
	return out, nil
}

// useShipped points each of paths (flag values) at a file to read: itself
// when it exists, or a copy of the shipped file it names (shippedFile) in a
// temporary directory, which the returned function removes.
func useShipped(paths ...*string) (func(), error) {
	dir, err := os.MkdirTemp("", "oink-shipped-")
	if err != nil {
		return func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	for _, p := range paths {
		if *p, err = shippedFile(*p, dir); err != nil {
			cleanup()
			return func() {}, err
		}
	}
	return cleanup, nil
}
