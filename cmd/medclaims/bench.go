package main

import (
	"context"
	"fmt"
	"medclaims/internal/harness"
	"os"
	"runtime/pprof"
	"time"
)

func cmdBench(ctx context.Context, args []string, std io3) error {
	fs := newFlags("bench", std)
	n := fs.Int("claims", 20000, "synthetic claims to submit (≥ 1)")
	members := fs.Int("members", 5000, "synthetic members (≥ 1)")
	batch := fs.Int("batch-size", 500, "consumer micro-batch size (1 to 100000)")
	rate := fs.Int("rate", 0, "submissions per second (0: as fast as the broker takes them)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := parseArgs(fs, args, "bench [--claims N] [--members N] [--batch-size N] [--rate N] [--cpuprofile FILE]", 0, 0); err != nil {
		return err
	}
	bc := harness.BenchConfig{Claims: *n, Members: *members, BatchSize: *batch, Rate: *rate}
	if err := bc.Validate(); err != nil {
		return badFlag(fs, "%v", err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL, err = withDatabase(cfg.DatabaseURL, harness.BenchDatabase); err != nil {
		return err
	}
	if cfg.Brokers != "" {
		cfg.TopicPrefix += fmt.Sprintf("bench-%d.", time.Now().Unix()) // fresh topics on a shared cluster
	}
	bc.Service = cfg.service("127.0.0.1:0")
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := harness.Bench(ctx, bc, newLogger(std.err))
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "pure adjudication: %d claims — one goroutine %.0f claims/s; %d goroutines (members sharded) %.0f claims/s\n",
		rep.Claims, rep.PureOne, rep.Procs, rep.PureAll)
	mode := "as fast as possible"
	if rep.Rate > 0 {
		mode = fmt.Sprintf("paced at %d/s", rep.Rate)
	}
	fmt.Fprintf(std.out, "end to end (%s; Kafka → adjudicate → PostgreSQL → claims.adjudicated): %d claims in %v = %.0f claims/s; %d results stored\n",
		mode, rep.Claims, rep.Elapsed.Round(time.Millisecond), rep.EndToEnd, rep.Stored)
	fmt.Fprintf(std.out, "latency submission → published stored result: p50 %v, p99 %v, max %v\n", rep.P50, rep.P99, rep.Max)
	return nil
}
