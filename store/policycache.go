package store

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"medclaims/payment"
)

// PolicyCache holds the stored policy versions, reloading them when the stored set changes.
// While no version is loaded it warns every 30 seconds: every claim is being rejected.
type PolicyCache struct {
	st  *Store
	log *slog.Logger

	mu       sync.Mutex
	policies payment.Policies
	hashes   map[string]string
	warned   time.Time
}

// NewPolicyCache returns an empty cache over the store's policy versions.
func NewPolicyCache(st *Store, log *slog.Logger) *PolicyCache { return &PolicyCache{st: st, log: log} }

// Get returns the stored policy versions, reading them again only when they changed.
func (c *PolicyCache) Get(ctx context.Context) (payment.Policies, error) {
	hashes, err := c.st.PolicyHashes(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(hashes) == 0 && time.Since(c.warned) > 30*time.Second {
		c.warned = time.Now()
		c.log.Warn("NO POLICY VERSION IS LOADED: every claim is rejected no_policy_in_force until a bundle is loaded (medclaims load DIR)")
	}
	if c.hashes != nil && equalMaps(hashes, c.hashes) {
		return c.policies, nil
	}
	bs, err := c.st.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return nil, err
	}
	c.policies, c.hashes = payment.NewPolicies(bs...), hashes
	c.log.Info("policy versions loaded", "versions", len(bs))
	return c.policies, nil
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
