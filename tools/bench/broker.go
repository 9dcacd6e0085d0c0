package bench

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

// embeddedBroker is `oink broker` running as a child process, so that its
// memory and CPU are not counted in any pipeline's.
type embeddedBroker struct {
	*child
	addrs []string
	out   *os.File // read end of its stdout; kept open so it never gets SIGPIPE
}

// startBroker starts `oink broker` on a free port of 127.0.0.1 and returns
// once it listens. The caller stops it with close.
func startBroker(ctx context.Context, exe string, partitions int) (*embeddedBroker, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting the embedded broker: %w", err)
	}
	c, err := startChild(ctx, "oink broker", exe, nil, w,
		"broker", "--listen", "127.0.0.1:0", "--partitions", strconv.Itoa(partitions), "--json", "--log-level", "warn")
	w.Close() // the child has its own copy
	if err != nil {
		r.Close()
		return nil, err
	}
	b := &embeddedBroker{child: c, out: r}
	// With --json the broker prints one document, {"listen": [addr], …},
	// once it listens; EOF means it died first.
	var doc struct {
		Listen []string `json:"listen"`
	}
	_ = r.SetReadDeadline(time.Now().Add(brokerStartTimeout)) // best effort: a pipe without a poller just blocks
	if err := json.NewDecoder(r).Decode(&doc); err != nil || len(doc.Listen) == 0 {
		b.close()
		return nil, c.failed(fmt.Errorf("no address printed (%v)", err))
	}
	b.addrs = doc.Listen
	return b, nil
}

// close stops the broker and waits until it has exited.
func (b *embeddedBroker) close() {
	_ = b.stop() // a broker stopped by SIGTERM has nothing more to report
	b.out.Close()
}
