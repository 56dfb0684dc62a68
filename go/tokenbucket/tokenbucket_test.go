package tokenbucket_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"go.uber.org/goleak"

	"github.com/concurrency-cookbook/cookbook/go/tokenbucket"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reference is the page's decision core written as plainly as it reads, in big integers:
// credits = min(capacity, credits + (t - last) * tokens), and a token costs every credits.
type reference struct {
	tokens, every, capacity, credits *big.Int
	last                             int64
	started                          bool
}

func newReference(tokens, every, burst int64) *reference {
	capacity := new(big.Int).Mul(big.NewInt(burst), big.NewInt(every))
	return &reference{tokens: big.NewInt(tokens), every: big.NewInt(every), capacity: capacity, credits: new(big.Int).Set(capacity)}
}

func (r *reference) refill(t int64) {
	if r.started {
		earned := new(big.Int).Mul(big.NewInt(t-r.last), r.tokens)
		r.credits.Add(r.credits, earned)
		if r.credits.Cmp(r.capacity) > 0 {
			r.credits.Set(r.capacity)
		}
	}
	r.started, r.last = true, t
}

// ceilDiv is n / d rounded up, for positive d.
func ceilDiv(n, d *big.Int) int64 {
	q := new(big.Int).Add(n, d)
	q.Sub(q, big.NewInt(1))
	return q.Div(q, d).Int64()
}

func (r *reference) decide(t int64) (bool, int64) {
	r.refill(t)
	if r.credits.Cmp(r.every) >= 0 {
		r.credits.Sub(r.credits, r.every)
		return true, 0
	}
	return false, ceilDiv(new(big.Int).Sub(r.every, r.credits), r.tokens)
}

func (r *reference) reserve(t int64) int64 {
	r.refill(t)
	r.credits.Sub(r.credits, r.every)
	if r.credits.Sign() >= 0 {
		return t
	}
	return t + ceilDiv(new(big.Int).Neg(r.credits), r.tokens)
}

// params draws a bucket from the whole range the pages allow, live ticks included: a million
// tokens of a day each overflow an int64 of nanoseconds.
func params(rng *rand.Rand) (tokens, every, burst int64) {
	pick := func(small, large int64) int64 {
		if rng.IntN(2) == 0 {
			return 1 + rng.Int64N(small)
		}
		return 1 + rng.Int64N(large)
	}
	return pick(5, 1_000_000), pick(1000, 86_400_000*1_000_000), pick(5, 1_000_000)
}

// gap draws the time to the next arrival: often none, sometimes an idle spell of any length.
func gap(rng *rand.Rand, every int64) int64 {
	switch rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return rng.Int64N(1 << 50)
	default:
		return rng.Int64N(2 * every)
	}
}

func TestDecideMatchesThePage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		tokens, every, burst := params(rng)
		b, ref := tokenbucket.New(tokens, every, burst), newReference(tokens, every, burst)
		var now int64
		for n := range 50 {
			now += gap(rng, every)
			admitted, wait := b.Decide(now)
			wantAdmitted, wantWait := ref.decide(now)
			if admitted != wantAdmitted || wait != wantWait {
				t.Fatalf("tokens %d, every %d, burst %d: arrival %d at %d: Decide = %v, %d; want %v, %d",
					tokens, every, burst, n, now, admitted, wait, wantAdmitted, wantWait)
			}
		}
	}
}

func TestReserveMatchesThePage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		tokens, every, burst := params(rng)
		b, ref := tokenbucket.New(tokens, every, burst), newReference(tokens, every, burst)
		var now int64
		for n := range 50 {
			now += gap(rng, every)
			if at, want := b.Reserve(now), ref.reserve(now); at != want {
				t.Fatalf("tokens %d, every %d, burst %d: request %d at %d: Reserve = %d, want %d",
					tokens, every, burst, n, now, at, want)
			}
		}
	}
}

// Reserving never refuses: a burst goes through at once, then one request per token's worth of
// refill, each a little later than the one before.
func TestReserveBurstThenRate(t *testing.T) {
	b := tokenbucket.New(1, 20, 3)
	var got []int64
	for range 6 {
		got = append(got, b.Reserve(0))
	}
	want := []int64{0, 0, 0, 20, 40, 60}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("admissions %v, want %v", got, want)
		}
	}
}

func TestNewRefusesZero(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with a zero rate did not panic")
		}
	}()
	tokenbucket.New(0, 1, 1)
}
