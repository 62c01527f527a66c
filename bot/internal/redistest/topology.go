package redistest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// topologyWait bounds how long sentinels or cluster nodes may take to find
// each other: generous, since it bounds a broken set-up, not speed.
const topologyWait = 60 * time.Second

// Password is what the primaries and replicas of StartSentinel and
// StartCluster ask for.
const Password = "redistest-pw"

// MasterName is the name the sentinels of StartSentinel know the primary by.
const MasterName = "mymaster"

// Failover timing of StartSentinel and StartCluster: short, so that a test
// sees a replica promoted within seconds, and not so short that a CI runner
// busy with -race builds makes a healthy primary look dead.
const (
	sentinelDownAfter  = 1000 * time.Millisecond
	clusterNodeTimeout = 1000 * time.Millisecond
)

// replicationOpts make a new replica's first sync start at once, not after
// the 5 s Redis waits by default for more replicas to share it, and move
// the replication offset every second even with nothing written: a cluster
// lists a replica in CLUSTER SLOTS only once its offset is not 0.
var replicationOpts = []string{"--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1"}

// Sentinel is a primary, its replica and three sentinels watching them,
// each on its own port. The data nodes ask for Password.
type Sentinel struct {
	Primary, Replica *Server
	Sentinels        []*Server
}

// StartSentinel starts a primary, a replica of it and three sentinels
// (quorum 2) on free loopback ports, and returns once every sentinel knows
// the replica and the other two sentinels, so that killing the primary
// makes them promote the replica. The sentinels ask for sentinelPassword
// (none when ""). t.Cleanup stops them all.
func StartSentinel(t testing.TB, sentinelPassword string) *Sentinel {
	t.Helper()
	server := lookBin(t, "redis-server", "redis-server", "redis")
	sentinel := lookBin(t, "redis-sentinel", "redis-sentinel", "redis")
	primary := startServer(t, server, Password, "", replicationOpts...)
	replica := startServer(t, server, Password, "", slices.Concat(replicationOpts, []string{"--replicaof", "127.0.0.1", strconv.Itoa(primary.port)})...)
	waitReplicating(t, replica)

	conf := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
		"sentinel auth-pass %[1]s %[3]s\n"+
		"sentinel down-after-milliseconds %[1]s %[4]d\n"+
		"sentinel failover-timeout %[1]s 10000\n",
		MasterName, primary.port, Password, sentinelDownAfter.Milliseconds())
	if sentinelPassword != "" {
		// What a sentinel tells the others to reach them.
		conf += "sentinel sentinel-pass " + sentinelPassword + "\n"
	}
	s := &Sentinel{Primary: primary, Replica: replica}
	for range 3 {
		s.Sentinels = append(s.Sentinels, startServer(t, sentinel, sentinelPassword, conf))
	}
	for _, sn := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr(), Password: sentinelPassword})
		waitFor(t, "sentinel "+sn.Addr()+" to know the replica and the other sentinels", func(ctx context.Context) error {
			m, err := c.Master(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			if m["flags"] != "master" || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return fmt.Errorf("flags %s, %s replicas, %s other sentinels", m["flags"], m["num-slaves"], m["num-other-sentinels"])
			}
			return nil
		})
		_ = c.Close()
	}
	return s
}

// URL is the redis+sentinel:// URL of the primary, database 0.
func (s *Sentinel) URL() string {
	addrs := make([]string, len(s.Sentinels))
	for i, sn := range s.Sentinels {
		addrs[i] = sn.Addr()
	}
	return fmt.Sprintf("redis+sentinel://:%s@%s/%s/0", Password, strings.Join(addrs, ","), MasterName)
}

// Cluster is a Redis Cluster of three primaries, each with one replica:
// Replicas[i] replicates Primaries[i]. Every node asks for Password.
type Cluster struct {
	Primaries, Replicas []*Server
}

// StartCluster starts six cluster nodes on free loopback ports, gives the
// 16384 slots to three of them, makes each of the other three the replica
// of one, and returns once every node sees the whole cluster served
// (cluster_state:ok, every replica in sync). A primary killed is replaced
// by its replica within seconds. t.Cleanup stops them all.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := lookBin(t, "redis-server", "redis-server", "redis")
	opts := slices.Concat(replicationOpts, []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(clusterNodeTimeout.Milliseconds(), 10),
		// A replica takes over however long it was cut off.
		"--cluster-replica-validity-factor", "0"})
	c := &Cluster{}
	for range 3 {
		c.Primaries = append(c.Primaries, startServer(t, bin, Password, "", opts...))
	}
	for range 3 {
		c.Replicas = append(c.Replicas, startServer(t, bin, Password, "", opts...))
	}
	ctx := t.Context()
	all := append(append([]*Server{}, c.Primaries...), c.Replicas...)
	clients := make([]*redis.Client, len(all))
	for i, n := range all {
		clients[i] = redis.NewClient(&redis.Options{Addr: n.Addr(), Password: Password})
		t.Cleanup(func() { _ = clients[i].Close() })
	}
	const slots = 16384
	for i, cl := range clients[:3] {
		// Distinct epochs, as redis-cli --cluster create sets them.
		must(t, "CLUSTER SET-CONFIG-EPOCH", cl.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err())
		must(t, "CLUSTER ADDSLOTSRANGE", cl.ClusterAddSlotsRange(ctx, i*slots/3, (i+1)*slots/3-1).Err())
	}
	for _, n := range all[1:] {
		must(t, "CLUSTER MEET", clients[0].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(n.port)).Err())
	}
	for i, cl := range clients {
		waitFor(t, "node "+all[i].Addr()+" to know the other five", func(ctx context.Context) error {
			nodes, err := cl.ClusterNodes(ctx).Result()
			if err != nil {
				return err
			}
			if n := strings.Count(strings.TrimSpace(nodes), "\n") + 1; n != 6 || strings.Contains(nodes, "handshake") {
				return fmt.Errorf("CLUSTER NODES:\n%s", nodes)
			}
			return nil
		})
	}
	for i, cl := range clients[3:] {
		id, err := clients[i].ClusterMyID(ctx).Result()
		must(t, "CLUSTER MYID", err)
		must(t, "CLUSTER REPLICATE", cl.ClusterReplicate(ctx, id).Err())
	}
	for _, r := range c.Replicas {
		waitReplicating(t, r)
	}
	for i, cl := range clients {
		waitFor(t, "node "+all[i].Addr()+" to see three primaries, each with its replica", func(ctx context.Context) error {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return fmt.Errorf("CLUSTER INFO:\n%s", info)
			}
			ranges, err := cl.ClusterSlots(ctx).Result()
			if err != nil {
				return err
			}
			if len(ranges) != 3 {
				return fmt.Errorf("CLUSTER SLOTS: %v", ranges)
			}
			for _, r := range ranges {
				if len(r.Nodes) != 2 {
					return fmt.Errorf("CLUSTER SLOTS: %v", ranges)
				}
			}
			return nil
		})
	}
	return c
}

// URL is the redis+cluster:// URL listing the three primaries.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Primaries))
	for i, p := range c.Primaries {
		addrs[i] = p.Addr()
	}
	return fmt.Sprintf("redis+cluster://:%s@%s", Password, strings.Join(addrs, ","))
}

// KillAfterSync kills the primary s once its replica has everything s
// acknowledged: it stops s taking writes (CLIENT PAUSE WRITE, so a write
// sent meanwhile fails when s dies, unacknowledged), waits until replica
// has read s's whole replication stream, then kills s (SIGKILL).
//
// So a failover test loses no acknowledged write and may demand that no
// key is won twice. A real crash can lose the last writes: replication is
// asynchronous.
func (s *Server) KillAfterSync(replica *Server) {
	s.t.Helper()
	ctx := context.Background()
	pc := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: s.password})
	defer pc.Close()
	if err := pc.Do(ctx, "CLIENT", "PAUSE", "60000", "WRITE").Err(); err != nil {
		s.t.Fatalf("redistest: CLIENT PAUSE on %s: %v", s.Addr(), err)
	}
	info, err := pc.Info(ctx, "replication").Result()
	if err != nil {
		s.t.Fatalf("redistest: INFO on %s: %v", s.Addr(), err)
	}
	want := infoInt(info, "master_repl_offset")
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr(), Password: replica.password})
	defer rc.Close()
	waitFor(s.t, "replica "+replica.Addr()+" to catch up with "+s.Addr(), func(ctx context.Context) error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if got := infoInt(info, "slave_repl_offset"); got < want {
			return fmt.Errorf("at offset %d of %d", got, want)
		}
		return nil
	})
	s.Stop()
}

// waitReplicating waits until the replica r is in sync with its primary.
func waitReplicating(t testing.TB, r *Server) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), Password: r.password})
	defer c.Close()
	waitFor(t, "replica "+r.Addr()+" to be in sync", func(ctx context.Context) error {
		info, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("INFO replication:\n%s", info)
		}
		return nil
	})
}

// infoInt reads a number field of an INFO answer (-1 when missing).
func infoInt(info, field string) int64 {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// waitFor polls cond until it returns nil, failing t after topologyWait
// with cond's last error.
func waitFor(t testing.TB, what string, cond func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(topologyWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := cond(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: waited %s for %s: %v", topologyWait, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("redistest: %s: %v", what, err)
	}
}
