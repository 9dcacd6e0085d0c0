package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oinkhq/oink"
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
	data, ok := oink.Shipped()[filepath.ToSlash(filepath.Clean(path))]
	if !ok {
		return path, nil
	}
	out := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return "", err
	}
	return out, nil
}

// shippedDir makes a directory for shipped copies and returns it with its
// removal.
func shippedDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "oink-shipped-")
	if err != nil {
		return "", func() {}, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
