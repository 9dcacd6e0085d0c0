package diffstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }

	t.Run("the embedded migrations load in order with both directions", func(t *testing.T) {
		t.Parallel()
		got, err := loadMigrations(migrationFS)
		if err != nil {
			t.Fatalf("loadMigrations(embedded) = %v", err)
		}
		if len(got) == 0 || got[0].name != "0001_init" || got[0].up == "" || got[0].down == "" {
			t.Errorf("loadMigrations(embedded) = %+v, want 0001_init first with up and down", got)
		}
	})

	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  string // in the error
	}{
		{"a gap in the versions is refused", fstest.MapFS{
			"migrations/0001_a.up.sql": file("x"), "migrations/0001_a.down.sql": file("x"),
			"migrations/0003_c.up.sql": file("x"), "migrations/0003_c.down.sql": file("x"),
		}, "0002"},
		{"a migration without its down file is refused", fstest.MapFS{
			"migrations/0001_a.up.sql": file("x"),
		}, "0001_a"},
		{"a file not named NNNN_name.up.sql is refused", fstest.MapFS{
			"migrations/1_a.sql": file("x"),
		}, "1_a.sql"},
		{"two names for one version are refused", fstest.MapFS{
			"migrations/0001_a.up.sql": file("x"), "migrations/0001_b.down.sql": file("x"),
		}, "two names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadMigrations(tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("loadMigrations = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
