// Package yamlstrict reads the YAML files a person writes for oink (the
// comparator's rules, the cutover plans) strictly, reporting every problem
// at once, each an *Error that names the line and column, the field and
// the fix: "plan.yaml:4:14: steps[1].percent: 5 does not increase on …".
//
// Document reads exactly one YAML document. A Walker then goes through its
// nodes: Mapping (only known, distinct, string keys), Sequence, String,
// Bool; no anchors or aliases; and Failf for what the caller's own
// validation finds. Err joins everything recorded, in file order.
//
//	root, err := yamlstrict.Document(name, data, "a plan needs run and steps", "plan")
//	if err != nil { return err }
//	w := &yamlstrict.Walker{File: name}
//	for _, e := range w.Mapping(root, "$", []string{"run", "steps"}, "run: r") { … }
//	return w.Err()
//
// Why not decode into a struct with yaml.v3's KnownFields? Its errors are
// strings with a line, without the field's path, the column or a fix, and
// a decode into a Go type cannot tell "absent" from "null" from "0".
package yamlstrict
