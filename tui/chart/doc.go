// Package chart is the dashboard's divergence chart: over source event
// time, in buckets as fine as the width allows (the store's 10 seconds at
// best), the share of each bucket's comparisons that the gate would not
// pass (divergent pairs and records missing from the candidate). It uses
// the width it has, states its scale (what a full cell is) and its grain,
// and draws a time axis on which the cutover's stage changes (▲) and
// rollbacks (↺) are marked where they took effect.
package chart
