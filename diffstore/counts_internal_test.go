package diffstore

import (
	"reflect"
	"slices"
	"testing"
)

// TestCountColumnsFollowCountsFields: countColumns, which the statements
// that add and sum counts are built from, names Counts' db columns in the
// order of its fields, and args gives the values in that order.
func TestCountColumnsFollowCountsFields(t *testing.T) {
	t.Parallel()
	var c Counts
	v := reflect.ValueOf(&c).Elem()
	var tags []string
	var want []any
	for i := range v.NumField() {
		tags = append(tags, v.Type().Field(i).Tag.Get("db"))
		v.Field(i).SetInt(int64(i + 1))
		want = append(want, int64(i+1))
	}
	if !slices.Equal(tags, countColumns) {
		t.Errorf("countColumns = %q, want Counts' columns %q", countColumns, tags)
	}
	if got := c.args(); !reflect.DeepEqual(got, want) {
		t.Errorf("args() = %v, want the fields in order %v", got, want)
	}
}
