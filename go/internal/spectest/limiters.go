package spectest

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
)

// Checks on live rate limiters: the admissions reserved never exceed the limiter's parameters
// (exact, in integers), and callers get through at close to the configured rate.

const nsPerMs = 1_000_000

type admission struct {
	Caller    int64 `json:"caller"`
	RequestNs int64 `json:"requestNs"`
	AtNs      int64 `json:"atNs"`
	WokeNs    int64 `json:"wokeNs"`
}

func init() {
	register(map[string]invariant{
		"token-bucket-never-exceeded": tokenBucketNeverExceeded,
		"window-never-exceeded":       windowNeverExceeded,
		"woke-after-admission":        wokeAfterAdmission,
		"throughput-near-rate":        throughputNearRate,
		"no-caller-starves":           noCallerStarves,
	})
}

// admissions in the order of their admission times.
func (s seen) admissions() []admission {
	s.t.Helper()
	var a []admission
	s.observe("admissions", &a)
	slices.SortStableFunc(a, func(x, y admission) int { return cmp.Compare(x.AtNs, y.AtNs) })
	return a
}

// tokenBucketNeverExceeded: a token costs everyMs * 1e6 credits and each nanosecond adds tokens
// credits, so admissions i <= j (in time order) may number at most burst + (at_j - at_i) *
// tokens / cost. The products can pass 2^63, so they are compared as big integers.
func tokenBucketNeverExceeded(s seen) []string {
	tokens, burst := big.NewInt(s.int("refill.tokens")), s.int("burst")
	cost := big.NewInt(s.int("refill.everyMs") * nsPerMs)
	at := s.admissions()
	var excess, earned big.Int
	for i := range at {
		for j := i; j < len(at); j++ {
			excess.Mul(big.NewInt(int64(j-i+1)-burst), cost)
			earned.Mul(big.NewInt(at[j].AtNs-at[i].AtNs), tokens)
			if excess.Cmp(&earned) > 0 {
				return []string{fmt.Sprintf("%d admissions from %d ns to %d ns: more than the burst of %d plus the refill", j-i+1, at[i].AtNs, at[j].AtNs, burst)}
			}
		}
	}
	return nil
}

// windowNeverExceeded: at most limit admissions lie in (at - window, at] for every admission.
func windowNeverExceeded(s seen) []string {
	limit, window := s.int("limit"), s.int("windowMs")*nsPerMs
	at := s.admissions()
	for _, a := range at {
		var inside int64
		for _, b := range at {
			if a.AtNs-window < b.AtNs && b.AtNs <= a.AtNs {
				inside++
			}
		}
		if inside > limit {
			return []string{fmt.Sprintf("%d admissions in the window ending at %d ns; limit %d", inside, a.AtNs, limit)}
		}
	}
	return nil
}

func wokeAfterAdmission(s seen) []string {
	var problems []string
	for _, a := range s.admissions() {
		if a.RequestNs > a.AtNs || a.AtNs > a.WokeNs {
			problems = append(problems, fmt.Sprintf("caller %d asked at %d ns, was admitted at %d ns and woke at %d ns", a.Caller, a.RequestNs, a.AtNs, a.WokeNs))
		}
	}
	return problems
}

// idealNs is the shortest run the parameters allow for every caller's every request.
func (s seen) idealNs() float64 {
	n := s.int("callers") * s.int("requestsPerCaller")
	if _, bucket := s.input["refill"]; bucket {
		over := max(0, n-s.int("burst"))
		return float64(over) * float64(s.int("refill.everyMs")*nsPerMs) / float64(s.int("refill.tokens"))
	}
	limit := s.int("limit")
	windows := max(0, (n+limit-1)/limit-1)
	return float64(windows * s.int("windowMs") * nsPerMs)
}

func throughputNearRate(s seen) []string {
	bound := s.idealNs()/s.param("fraction") + s.param("slackMs")*nsPerMs
	if elapsed := s.elapsed(); float64(elapsed) > bound {
		return []string{fmt.Sprintf("took %d ns where the rate allows %.0f ns", elapsed, s.idealNs())}
	}
	return nil
}

func noCallerStarves(s seen) []string {
	bound := int64(s.param("boundMs") * nsPerMs)
	perCaller := map[int64]int64{}
	var problems []string
	for _, a := range s.admissions() {
		perCaller[a.Caller]++
		if a.WokeNs-a.RequestNs > bound {
			problems = append(problems, fmt.Sprintf("caller %d waited %d ns", a.Caller, a.WokeNs-a.RequestNs))
		}
	}
	want := s.int("requestsPerCaller")
	for c := range s.int("callers") {
		if perCaller[c] != want {
			problems = append(problems, fmt.Sprintf("caller %d was admitted %d times, not %d", c, perCaller[c], want))
		}
	}
	return problems
}
