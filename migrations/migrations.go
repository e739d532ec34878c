// Package migrations holds the numbered SQL migrations of the database, embedded in the
// binary and applied by goose. It owns the schema and nothing else.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
