package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// groupReaper makes up, in the embedded broker, for a fault of its group coordinator: a
// member whose JoinGroup answer could not be delivered (its process died while joining)
// never gets a session timer, so once the surviving leader syncs, the dead member keeps the
// partitions the leader gave it, for good. A Kafka broker expires such a member after its
// session timeout; the reaper does the same: it notes every group request a member sends
// (JoinGroup, SyncGroup, Heartbeat, OffsetCommit) and, in a stable group, removes with a
// LeaveGroup (over TCP, as any client would) a member silent for longer than its session
// timeout. The group then rebalances and the live members take the partitions over.
type groupReaper struct {
	cluster *kfake.Cluster
	addrs   []string
	log     *slog.Logger

	mu       sync.Mutex
	seen     map[string]map[string]memberSeen // group → member id → last request
	sessions map[string]time.Duration         // group → the session timeout its last JoinGroup asked for
}

type memberSeen struct {
	at      time.Time
	session time.Duration
}

// defaultSession is the session timeout assumed for a member of a group none of whose
// JoinGroups the reaper has seen (Kafka's default). A member whose own JoinGroup carried no
// member id yet (the broker gave it one in the answer) gets its group's last asked timeout.
const defaultSession = 45 * time.Second

func newGroupReaper(c *kfake.Cluster, addrs []string, log *slog.Logger) *groupReaper {
	r := &groupReaper{cluster: c, addrs: addrs, log: log, seen: map[string]map[string]memberSeen{}, sessions: map[string]time.Duration{}}
	for _, k := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.OffsetCommit} {
		c.ControlKey(k.Int16(), r.observe)
	}
	return r
}

// observe notes a group request and lets the broker handle it as usual.
func (r *groupReaper) observe(req kmsg.Request) (kmsg.Response, error, bool) {
	now := time.Now()
	switch q := req.(type) {
	case *kmsg.JoinGroupRequest:
		r.note(q.Group, q.MemberID, now, time.Duration(q.SessionTimeoutMillis)*time.Millisecond)
	case *kmsg.SyncGroupRequest:
		r.note(q.Group, q.MemberID, now, 0)
	case *kmsg.HeartbeatRequest:
		r.note(q.Group, q.MemberID, now, 0)
	case *kmsg.OffsetCommitRequest:
		r.note(q.Group, q.MemberID, now, 0)
	}
	return nil, nil, false
}

func (r *groupReaper) note(group, member string, at time.Time, session time.Duration) {
	if group == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if session > 0 {
		r.sessions[group] = session
	}
	if member == "" {
		return
	}
	g := r.seen[group]
	if g == nil {
		g = map[string]memberSeen{}
		r.seen[group] = g
	}
	s := g[member]
	if session == 0 {
		session = s.session
	}
	g[member] = memberSeen{at: at, session: session}
}

// run checks the groups every second until ctx ends.
func (r *groupReaper) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.sweep(ctx, time.Now())
		}
	}
}

// sweep removes the silent members of stable groups and forgets members that left.
func (r *groupReaper) sweep(ctx context.Context, now time.Time) {
	r.mu.Lock()
	groups := make([]string, 0, len(r.seen))
	for g := range r.seen {
		groups = append(groups, g)
	}
	r.mu.Unlock()
	for _, g := range groups {
		info := r.cluster.GroupInfo(g)
		if info == nil {
			continue
		}
		if dead := r.silent(info, now); len(dead) > 0 && info.State == "Stable" {
			r.evict(ctx, g, dead)
		}
	}
}

// silent lists the group's members that sent nothing for longer than their session
// timeout; a member first met here starts its clock now.
func (r *groupReaper) silent(info *kfake.GroupInfo, now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, live := r.seen[info.Group], map[string]bool{}
	assumed := r.sessions[info.Group]
	if assumed == 0 {
		assumed = defaultSession
	}
	var dead []string
	for _, m := range info.Members {
		live[m.MemberID] = true
		s, ok := seen[m.MemberID]
		switch {
		case !ok:
			seen[m.MemberID] = memberSeen{at: now, session: assumed}
		case s.session == 0:
			s.session = assumed
			seen[m.MemberID] = s
		case now.Sub(s.at) > s.session:
			dead = append(dead, m.MemberID)
		}
	}
	for id := range seen {
		if !live[id] && now.Sub(seen[id].at) > 2*defaultSession {
			delete(seen, id)
		}
	}
	return dead
}

// evict sends the LeaveGroup a dead member cannot send itself.
func (r *groupReaper) evict(ctx context.Context, group string, members []string) {
	req := &kafka.LeaveGroupRequest{Addr: kafka.TCP(r.addrs...), GroupID: group}
	for _, id := range members {
		req.Members = append(req.Members, kafka.LeaveGroupRequestMember{ID: id})
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl := &kafka.Client{Addr: kafka.TCP(r.addrs...), Timeout: 5 * time.Second}
	if _, err := cl.LeaveGroup(cctx, req); err != nil {
		r.log.Warn("embedded broker: removing silent group members failed", "group", group, "members", members, "err", err)
		return
	}
	r.log.Warn("embedded broker: removed group members silent past their session timeout (their process is gone)",
		"group", group, "members", members)
}
