package childproc

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// brokerStartTimeout bounds how long `oink broker` may take to print its
// address.
const brokerStartTimeout = 30 * time.Second

// Broker is `oink broker` running as a child process, so that its memory
// and CPU are not counted in any other process's.
type Broker struct {
	*Proc
	// Addrs are the addresses it listens on.
	Addrs []string
	out   *os.File // the read end of its stdout, open so that it never gets SIGPIPE
}

// StartBroker starts `oink broker` (exe) with partitions partitions per
// topic on a free port of 127.0.0.1, with env added to its environment, and
// returns once it listens. The caller stops it with Close.
func StartBroker(ctx context.Context, exe string, env []string, partitions int) (*Broker, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting the embedded broker: %w", err)
	}
	p := New(Config{Name: "oink broker", Exe: exe, Env: env,
		Args: []string{"broker", "--listen", "127.0.0.1:0", "--partitions", strconv.Itoa(partitions), "--json", "--log-level", "warn"}})
	err = p.Start(w)
	w.Close() // the child has its own copy
	if err != nil {
		r.Close()
		return nil, err
	}
	b := &Broker{Proc: p, out: r}
	if b.Addrs, err = readListen(ctx, r); err != nil {
		b.Close()
		return nil, p.Failed(fmt.Errorf("the embedded broker printed no address (%v)", err))
	}
	return b, nil
}

// readListen reads the one document `oink broker --json` prints once it
// listens, {"listen": [addr], …}; EOF means it died first.
func readListen(ctx context.Context, r *os.File) ([]string, error) {
	var doc struct {
		Listen []string `json:"listen"`
	}
	done := make(chan error, 1)
	go func() { done <- json.NewDecoder(r).Decode(&doc) }() // ends at the latest when Close closes r
	t := time.NewTimer(brokerStartTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
	case <-t.C:
		return nil, fmt.Errorf("no address within %v", brokerStartTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if len(doc.Listen) == 0 {
		return nil, fmt.Errorf("no address in its first document")
	}
	return doc.Listen, nil
}

// Close stops the broker and waits until it has exited.
func (b *Broker) Close() {
	_ = b.Stop() // a broker stopped by SIGTERM has nothing more to report
	b.out.Close()
}
