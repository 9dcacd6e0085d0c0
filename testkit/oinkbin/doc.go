// Package oinkbin builds the oink binary for tests that run it as separate
// processes (SIGKILL runs, chaos trials, benchmarks): once per test binary,
// without the race detector, since those tests push hundreds of thousands
// of records through it many times, where race instrumentation would make
// them several times slower. The code it runs is covered with -race by the
// in-process tests of its packages.
//
//	func TestMain(m *testing.M) { oinkbin.Main(m) }
//	cmd := exec.Command(oinkbin.Path(t), "produce", …)
package oinkbin
