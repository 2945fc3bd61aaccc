package core

import (
	"context"
	"encoding/json"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
)

type eventsController struct {
	c *Core
	p scope.Principal
}

func (e eventsController) Subscribe(ctx context.Context) (*events.Subscription, error) {
	if err := e.c.lock(); err != nil {
		return nil, err
	}
	defer e.c.mu.Unlock()
	return e.c.bus.Subscribe(e.p), nil
}

func (e eventsController) Publish(ctx context.Context, event string, payload json.RawMessage) error {
	x, err := events.NewExt(e.p, event, payload)
	if err != nil {
		return invalidf("%v", err)
	}
	e.c.bus.Publish(x)
	return nil
}
