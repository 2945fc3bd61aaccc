package mpd

import (
	"math"
	"testing"
)

func TestSecondsToMillis(t *testing.T) {
	cases := []struct {
		seconds float64
		want    int
	}{
		{0, 0},
		{1.5, 1500},
		{-2.25, -2250},
		{1e308, maxSeekMillis},
		{-1e308, -maxSeekMillis},
		{math.MaxInt32, maxSeekMillis},
	}
	for _, tc := range cases {
		if got := secondsToMillis(tc.seconds); got != tc.want {
			t.Errorf("secondsToMillis(%g) = %d, want %d", tc.seconds, got, tc.want)
		}
	}
}
