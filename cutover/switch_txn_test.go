package cutover

import (
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestClassifyTxnFencedErrors: every answer a broker gives a producer whose
// epoch the next owner bumped is ErrFenced, which the worker checks before
// permanent: it ends the instance's generation, neither the run nor a
// session retry that would fence the new owner back. Other errors pass
// through.
func TestClassifyTxnFencedErrors(t *testing.T) {
	t.Parallel()
	for _, e := range []error{kerr.ProducerFenced, kerr.InvalidProducerEpoch, kerr.InvalidProducerIDMapping,
		kerr.TransactionalIDNotFound, kerr.InvalidTxnState} {
		err := classifyTxn(fmt.Errorf("ending the transaction: %w", e))
		if !errors.Is(err, ErrFenced) {
			t.Errorf("classifyTxn(%v) = %v, want ErrFenced", e, err)
		}
	}
	if err := classifyTxn(kerr.RequestTimedOut); errors.Is(err, ErrFenced) {
		t.Errorf("classifyTxn(%v) = %v, want it as it is", kerr.RequestTimedOut, err)
	}
}
