package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newRegistry returns a registry with the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveMetrics serves /metrics and /healthz on addr until ctx ends. /healthz
// answers 200 while healthy is true, 503 otherwise, and the gauge
// oink_healthy says the same (1 or 0) to Prometheus. A component is
// unhealthy while it retries a broker or database that does not answer. An empty addr serves
// nothing. The listener is bound before it returns, so a bad address is an
// error here, not a log line later.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, healthy *atomic.Bool, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError{fmt.Errorf("--metrics-addr %q: %w", addr, err)}
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "oink_healthy",
		Help: "1 while the component works, 0 while it retries a broker or database that does not answer (as /healthz)."},
		func() float64 {
			if healthy.Load() {
				return 1
			}
			return 0
		}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if healthy.Load() {
			fmt.Fprintln(w, "ok")
			return
		}
		http.Error(w, "unhealthy: retrying the broker or the database (see the log)", http.StatusServiceUnavailable)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { _ = srv.Close() }) // best effort at shutdown
	log.Info("serving metrics", "addr", ln.Addr().String())
	return nil
}

// newHealthy returns a health flag that starts healthy.
func newHealthy() *atomic.Bool {
	h := &atomic.Bool{}
	h.Store(true)
	return h
}
