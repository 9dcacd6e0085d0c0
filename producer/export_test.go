package producer

// What the external tests (package producer_test, which may import the
// load generator and the v1 simulator, themselves built on this package)
// need of its internals.

// PositionKey is positionKey.
var PositionKey = positionKey

// V2Converter returns OINK v2's converter with future check fc.
func V2Converter(fc FutureCheck) Converter { return v2{future: fc} }

// DecodeStd is decodeStd: Decode by encoding/json alone.
var DecodeStd = decodeStd
