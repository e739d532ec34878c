package fraud

import (
	"sort"
	"strconv"

	"medclaims/policy"
)

// PeerGroupKey names a provider's peer group (FRAUD.md §3): providers of one level in one
// region.
func PeerGroupKey(p *policy.Provider) string { return strconv.Itoa(p.Level) + "/" + p.Region }

// PeerGroups sorts providers into their peer groups, each peer with its live claims, in
// provider id order.
func PeerGroups(providers map[string]*policy.Provider, facts map[string][]*Fact) map[string][]Peer {
	out := map[string][]Peer{}
	ids := make([]string, 0, len(providers))
	for id := range providers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := providers[id]
		out[PeerGroupKey(p)] = append(out[PeerGroupKey(p)], Peer{Provider: p, Claims: facts[id]})
	}
	return out
}
