#!/usr/bin/env bash
# Until the first release each database provider has exactly one migration, Initial: this deletes it and makes it
# again from the current model, for SQLite, SQL Server and PostgreSQL. No database server is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null
for provider in Sqlite SqlServer PostgreSql; do
  project="src/Corrections.Migrations.$provider"
  rm -rf "$project/Migrations"
  # Built without its old migrations, so that none of them can stand in for the model.
  dotnet build "$project" -nologo -v quiet >/dev/null
  dotnet ef migrations add Initial --project "$project" --startup-project "$project" --output-dir Migrations --no-build
  echo "$provider: $(ls "$project"/Migrations/*_Initial.cs)"
done
