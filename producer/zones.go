package producer

import (
	"sync"
	"time"
)

// zoneCache memoises time.LoadLocation, which reads and parses a zoneinfo
// file on every call: far too slow for once per event. It is package-level
// because a *time.Location never changes once loaded, so sharing it is safe
// and the cache only ever grows by the set of IANA names (a few hundred);
// names that fail to load are not cached, so garbage input cannot grow it.
var zoneCache sync.Map // string -> *time.Location

// loadZone returns the named IANA time zone.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		// LoadLocation("") is UTC and "Local" is the machine's zone: neither
		// is a store's zone.
		return nil, errUnknownZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, loc)
	return loc, nil
}
