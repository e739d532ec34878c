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
	"time"

	"medclaims/pipeline"
)

const usage = `medclaims — prices and settles medical-insurance claims.

Usage: medclaims <command> [flags] [args]

Commands:
  demo                 the whole main job on one machine: embedded broker, migrations, sample
                       bundle, a sample batch, then a summary; keeps serving until interrupted
                       (--exit stops after the summary)
  serve [--broker-addr HOST:PORT]
                       adjudication and provider-scoring consumers + the HTTP API (/v1/…, /console/, /openapi.json,
                       /healthz, /metrics); embedded broker when
                       KAFKA_BROKERS is unset (a busy --broker-addr is an error)
  broker               the embedded Kafka-protocol broker alone (--addr, --partitions)
  migrate              apply database migrations as the owner of DATABASE_URL, create the role
                       medclaims_service and print the DATABASE_URL serve may use as that role
  load DIR             load and validate a policy bundle (errors name file:line:column)
  submit FILE          produce a batch (JSON array, JSON lines, one JSON object or CSV) to
                       claims.submitted with a progress bar; prints the batch id
  price --bundle DIR [FILE]
                       offline pre-settlement: prices claims in order against a bundle with
                       empty accumulators; one result JSON per line, printed as it is computed
                       (stdin without FILE)
  bench [--claims N] [--members N] [--batch-size N] [--rate N]
                       synthetic load: end-to-end claims/s with p50/p99 latency, and pure
                       adjudication claims/s
  fraud providers      each provider's fraud score, the provider rules firing, and whether its
                       payment is suspended (暂停拨付)
  fraud eval [--seed N] [--scale S]
                       a labelled stream with injected patterns and look-alikes through the real
                       pipeline (database medclaims_eval); recall and precision per rule
  token create --role hospital:<provider_id>|agency|investigator [--name N]
                       creates an API token and prints it alone on stdout, once (only its hash
                       is stored); token list [--json]; token revoke ID
  close --period YYYY-MM [--dry-run]
                       period settlement: DRG point value, capitation, global budget (December),
                       holds and recoveries; stores a new statement version when something changed
  statement --period YYYY-MM [--provider ID] [--csv|--json]
                       prints the newest stored statement of a closed period
  precheck [--summary] FILE
                       pre-check (事前提醒): the results adjudication would give the claims of FILE
                       now, against the database (history, accumulators, edits, claim rules,
                       holds); one result JSON per line; nothing stored, published or counted
  simulate --bundle DIR --from D --to D [--provider ID] [--csv|--html FILE]
                       policy what-if: re-prices the stored live claims of the window under a
                       draft bundle that is not loaded; reports fund and provider amounts before
                       and after, refused and self-paid by edit, holds by rule; changes nothing
  practitioner list [--status S] [--provider ID] [--json] | practitioner show ID [--json]
                       practitioners' payment qualification (FRAUD.md §9): status, until, year
                       points and the points ledger
  case list|show|open|notify|respond|decide
                       the case workflow (FRAUD.md §5) with the API's rules and audit; --as NAME
                       records who acts (see medclaims case for each subcommand's flags)
  dlq [--follow] [--json]
                       print the records parked on claims.dlq: error, stage, source topic,
                       partition and offset, batch id, claim, value
  drg group [--trace] [FILE]
                       CHS-DRG grouping of cases (CSV with the columns of sample_cases.csv);
                       prints CSV index,mdc,adrg,drg,status (--trace adds the rule trail)
  help                 this text

Environment:
  DATABASE_URL            PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/medclaims?sslmode=disable;
                          demo uses database medclaims_demo, bench medclaims_bench, fraud eval
                          medclaims_eval). The owner's URL: serve and demo migrate with it, then
                          work as the role medclaims_service (no superuser, no DDL, append-only
                          histories); serve also takes that role's own URL, which migrate prints
  MEDCLAIMS_SERVICE_PASSWORD
                          the password migrate, serve and demo give medclaims_service (unset: none,
                          for a server that trusts local connections)
  KAFKA_BROKERS           comma-separated Kafka bootstrap servers (serve: unset starts the embedded
                          broker; submit: default 127.0.0.1:9092)
  MEDCLAIMS_TOPIC_PREFIX  prefix for every topic name (default none)
  MEDCLAIMS_HTTP_ADDR     HTTP listen address for serve and demo (default 127.0.0.1:8080)
  MEDCLAIMS_PARTITIONS    partitions of topics created by medclaims (default 8)
  MEDCLAIMS_LOG_LEVEL     debug, info, warn or error (default info)
  MEDCLAIMS_NOW           a fixed service clock, YYYY-MM-DD or RFC 3339, for tests and replays
                          (processing dates read it); unset: the real clock
  GOGC, GOMEMLIMIT        Go garbage-collector settings (defaults here: GOGC=400, GOMEMLIMIT=4GiB)

Run "medclaims <command> -h" for a command's flags. A command given wrong arguments prints its
usage and exits with status 2.
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
		var ue usageError
		switch {
		case errors.As(err, &ec):
			os.Exit(int(ec))
		case errors.As(err, &ue):
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a specific exit status.
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }

// usageError is a command line the command cannot run: exit status 2, after the usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type io3 struct {
	in       io.Reader
	out, err io.Writer
}

func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(errw, usage)
		return usageError{"no command given"}
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
	case "dlq":
		return cmdDLQ(ctx, rest, std)
	case "fraud":
		return cmdFraud(ctx, rest, std)
	case "token":
		return cmdToken(ctx, rest, std)
	case "case":
		return cmdCase(ctx, rest, std)
	case "close":
		return cmdClose(ctx, rest, std)
	case "statement":
		return cmdStatement(ctx, rest, std)
	case "precheck":
		return cmdPrecheck(ctx, rest, std)
	case "simulate":
		return cmdSimulate(ctx, rest, std)
	case "practitioner":
		return cmdPractitioner(ctx, rest, std)
	default:
		fmt.Fprint(errw, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// config is the process configuration from the environment.
type config struct {
	DatabaseURL string
	ServicePass string // MEDCLAIMS_SERVICE_PASSWORD: the password migrate gives the service role
	Brokers     string
	TopicPrefix string
	HTTPAddr    string
	Partitions  int
	Now         func() time.Time // MEDCLAIMS_NOW, or the real clock
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: os.Getenv("DATABASE_URL"), ServicePass: os.Getenv("MEDCLAIMS_SERVICE_PASSWORD"), Brokers: os.Getenv("KAFKA_BROKERS"),
		TopicPrefix: os.Getenv("MEDCLAIMS_TOPIC_PREFIX"), HTTPAddr: os.Getenv("MEDCLAIMS_HTTP_ADDR"), Partitions: 8, Now: time.Now,
	}
	return c, c.Validate()
}

// Validate reads the numeric and time settings and fills defaults.
func (c *config) Validate() error {
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if p := os.Getenv("MEDCLAIMS_PARTITIONS"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("MEDCLAIMS_PARTITIONS=%q: want a whole number from 1 to 1000", p)
		}
		c.Partitions = n
	}
	if v := os.Getenv("MEDCLAIMS_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return fmt.Errorf("MEDCLAIMS_NOW=%q: want YYYY-MM-DD or RFC 3339", v)
			}
		}
		c.Now = func() time.Time { return t }
	}
	return nil
}

// service is the pipeline's configuration from the environment.
func (c config) service(brokerAddr string) pipeline.ServiceConfig {
	return pipeline.ServiceConfig{DatabaseURL: c.DatabaseURL, ServicePassword: c.ServicePass, Brokers: pipeline.ParseBrokers(c.Brokers), BrokerAddr: brokerAddr,
		TopicPrefix: c.TopicPrefix, Partitions: c.Partitions, Now: c.Now}
}

// brokers are the configured brokers for a producing command (default 127.0.0.1:9092).
func (c config) brokers() []string {
	if b := pipeline.ParseBrokers(c.Brokers); len(b) > 0 {
		return b
	}
	return []string{"127.0.0.1:9092"}
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

// parseArgs parses the flags and requires min..max arguments; anything else prints the
// usage and is a usageError (exit status 2).
func parseArgs(fs *flag.FlagSet, args []string, use string, min, max int) error {
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: medclaims "+use)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if n := fs.NArg(); n < min || n > max {
		fs.Usage()
		switch {
		case max == 0:
			return usageError{fmt.Sprintf("%s takes no arguments, got %q", fs.Name(), fs.Args())}
		case n > max:
			return usageError{fmt.Sprintf("%s takes at most %d argument(s), got %q", fs.Name(), max, fs.Args())}
		}
		return usageError{fmt.Sprintf("%s needs %d argument(s)", fs.Name(), min)}
	}
	return nil
}

// badFlag is an out-of-range flag value: the usage and exit status 2.
func badFlag(fs *flag.FlagSet, format string, args ...any) error {
	fs.Usage()
	return usageError{fmt.Sprintf(format, args...)}
}
