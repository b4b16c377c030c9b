// Schema of the SQLite store and its migrations: ordered steps, each run once in its own
// transaction, the version recorded in schema_version.
#pragma once

#include "base/result.hpp"
#include "store/sqlite/db.hpp"

namespace facteur::store::sqlite {

// The version this program writes; a database with a higher version is refused.
int current_schema_version() noexcept;

// Brings the database to current_schema_version(). Errc::internal if it is newer.
Status migrate(Connection& db);

}  // namespace facteur::store::sqlite
