// Command medclaims prices and settles medical-insurance claims. It wires the packages
// together: flags, configuration and the subcommands of CONTRACT.md; no pricing logic.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
)

const usage = `medclaims — prices and settles medical-insurance claims.

Usage: medclaims <command> [flags] [args]

Commands:
  demo                 the whole main job on one machine: embedded broker, migrations, sample
                       bundle, a sample batch, then a summary; keeps serving until interrupted
                       (--exit stops after the summary)
  serve                adjudication consumer + HTTP (/healthz, /metrics); embedded broker when
                       KAFKA_BROKERS is unset
  broker               the embedded Kafka-protocol broker alone (--addr, --partitions)
  migrate              apply database migrations
  load DIR             load and validate a policy bundle (errors name file:line:column)
  submit FILE          produce a batch (JSON array, JSON lines or CSV) to claims.submitted with a
                       progress bar; prints the batch id
  price --bundle DIR [FILE]
                       offline pre-settlement: prices claims in order against a bundle with
                       empty accumulators; one result JSON per line (stdin without FILE)
  bench                synthetic load: end-to-end claims/s with p50/p99 latency, and pure
                       adjudication claims/s
  drg group [--trace] [FILE]
                       CHS-DRG grouping of cases (CSV with the columns of sample_cases.csv);
                       prints CSV index,mdc,adrg,drg,status (--trace adds the rule trail)
  help                 this text

Environment:
  DATABASE_URL            PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/medclaims?sslmode=disable;
                          demo uses database medclaims_demo, bench medclaims_bench)
  KAFKA_BROKERS           comma-separated Kafka bootstrap servers (serve: unset starts the embedded
                          broker; submit: default 127.0.0.1:9092)
  MEDCLAIMS_TOPIC_PREFIX  prefix for every topic name (default none)
  MEDCLAIMS_HTTP_ADDR     HTTP listen address for serve and demo (default 127.0.0.1:8080)
  MEDCLAIMS_PARTITIONS    partitions of topics created by medclaims (default 8)
  MEDCLAIMS_LOG_LEVEL     debug, info, warn or error (default info)
  GOGC, GOMEMLIMIT        Go garbage-collector settings (defaults here: GOGC=400, GOMEMLIMIT=4GiB)

Run "medclaims <command> -h" for a command's flags.
`

// Garbage-collector defaults for a throughput service: adjudication allocates a few KB per
// claim and keeps little, so collecting less often buys CPU; the memory limit keeps the heap
// bounded. GOGC and GOMEMLIMIT in the environment override both.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 4 << 30
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "medclaims:", err)
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a specific exit status.
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }

type io3 struct {
	in       io.Reader
	out, err io.Writer
}

func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(errw, usage)
		return errors.New("no command given")
	}
	std := io3{in: in, out: out, err: errw}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	case "migrate":
		return cmdMigrate(ctx, rest, std)
	case "load":
		return cmdLoad(ctx, rest, std)
	case "broker":
		return cmdBroker(ctx, rest, std)
	case "serve":
		return cmdServe(ctx, rest, std)
	case "submit":
		return cmdSubmit(ctx, rest, std)
	case "price":
		return cmdPrice(ctx, rest, std)
	case "bench":
		return cmdBench(ctx, rest, std)
	case "demo":
		return cmdDemo(ctx, rest, std)
	case "drg":
		return cmdDRG(ctx, rest, std)
	default:
		fmt.Fprint(errw, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// config is the process configuration from the environment.
type config struct {
	DatabaseURL string
	Brokers     string
	TopicPrefix string
	HTTPAddr    string
	Partitions  int
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: os.Getenv("DATABASE_URL"), Brokers: os.Getenv("KAFKA_BROKERS"),
		TopicPrefix: os.Getenv("MEDCLAIMS_TOPIC_PREFIX"), HTTPAddr: os.Getenv("MEDCLAIMS_HTTP_ADDR"), Partitions: 8,
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if p := os.Getenv("MEDCLAIMS_PARTITIONS"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return c, fmt.Errorf("MEDCLAIMS_PARTITIONS=%q: want a whole number ≥ 1", p)
		}
		c.Partitions = n
	}
	return c, nil
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("MEDCLAIMS_LOG_LEVEL")))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func newFlags(name string, std io3) *flag.FlagSet {
	fs := flag.NewFlagSet("medclaims "+name, flag.ContinueOnError)
	fs.SetOutput(std.err)
	return fs
}
