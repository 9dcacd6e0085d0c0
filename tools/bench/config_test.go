package bench

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := func() Config {
		c := Config{Exe: "/bin/oink"}
		c.setDefaults()
		return c
	}
	tests := []struct {
		name   string
		change func(*Config)
		field  string // named in the error; "" for no error
	}{
		{"the defaults are valid", func(*Config) {}, ""},
		{"a missing binary is refused", func(c *Config) { c.Exe = "" }, "exe"},
		{"a negative event count is refused", func(c *Config) { c.Events = -1 }, "events"},
		{"a batch larger than oink allows is refused", func(c *Config) { c.BatchSize = 200000 }, "batch size"},
		{"an invalid ratio above 1 is refused", func(c *Config) { c.InvalidRatio = 1.5 }, "invalid ratio"},
		{"an unknown pipeline is refused", func(c *Config) { c.Pipelines = []Pipeline{Oink, "kafka-streams"} }, "pipelines"},
		{"a pipeline given twice is refused", func(c *Config) { c.Pipelines = []Pipeline{RefRaw, RefRaw} }, "pipelines"},
		{"an env entry without = is refused", func(c *Config) { c.Env = []string{"GOGC"} }, "env"},
		{"an unknown role is refused", func(c *Config) { c.Role = "controller" }, "role"},
		{"a percent over 100 is refused", func(c *Config) { c.Role, c.Percent = RoleSwitch, 120 }, "percent"},
		{"a negative rate is refused", func(c *Config) { c.Role, c.Rate = RolePipeline, -1 }, "rate"},
		{"faults that drop records are refused", func(c *Config) { c.Role, c.Faults = RoleComparator, "drop=0.01" }, "drop"},
		{"no faults at all is valid", func(c *Config) { c.Role, c.Faults = RoleComparator, "none" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field)):
				t.Errorf("Validate() = %v, want an error naming %q", err, tc.field)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	var c Config
	c.setDefaults()
	if c.Role != RoleProducer || c.Events != 1_000_000 || c.Partitions != 12 || c.BatchSize != 5000 || len(c.Pipelines) != 3 || c.Timeout <= 0 {
		t.Errorf("defaults = %+v, want the producer, 1,000,000 events, 12 partitions, batch 5000, all pipelines, a timeout", c)
	}
	p := Config{Role: RolePipeline}
	p.setDefaults()
	if p.Events != 100_000 || p.Percent != 50 || p.Faults != DefaultFaults || p.RulesFile == "" {
		t.Errorf("pipeline defaults = %+v, want 100,000 events, 50%%, the default faults and rules", p)
	}
}
