package core_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
)

// Example builds a core over the test player and calls it as an MPD
// connection with the "read" permission would.
func Example() {
	player := audiotest.New(audiotest.Options{Manual: true})
	defer player.Close()
	c, err := core.New(core.Options{Player: player})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	scopes, _ := scope.FromMPD("read")
	api := core.Guard(c, scope.Principal{Kind: scope.KindMPD, ID: "conn1", Scopes: scopes})
	ctx := context.Background()

	sub, _ := api.Events().Subscribe(ctx) // filtered by library:read and playback:read
	defer sub.Close()

	state, _ := api.Playback().GetState(ctx)
	fmt.Println(state)
	err = api.Playback().Play(ctx, nil, nil)
	fmt.Println(errors.Is(err, core.ErrPermission), err)
	// Output:
	// stopped
	// true core.playback.play: permission denied: mpd:conn1 lacks scope playback:control
}
