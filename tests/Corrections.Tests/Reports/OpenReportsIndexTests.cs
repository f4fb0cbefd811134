using Corrections.Configuration;
using Corrections.Data;
using Corrections.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Corrections.Tests.Reports;

/// <summary>
/// Only open reports are indexed by their duplicate key, and the writer's look-up of the open report a submission joins
/// is answered by that index, not by reading every report.
/// </summary>
public sealed class OpenReportsIndexTests
{
    /// <summary>
    /// SQLite's plan for a query of the store, on a migrated database. ToQueryString declares the parameters in front
    /// of the query; SQLite gets a list as one JSON parameter.
    /// </summary>
    private static async Task<List<string>> SqlitePlanAsync(Func<CorrectionsDb, string> querySql, params (string Name, string Value)[] parameters)
    {
        using var data = new TestData(DatabaseProvider.Sqlite);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        var sql = querySql(db);
        await using var connection = new SqliteConnection(data.ConnectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + sql[sql.IndexOf("SELECT", StringComparison.Ordinal)..];
        foreach (var (name, value) in parameters)
            explain.Parameters.AddWithValue(name, value);
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            plan.Add(reader.GetString(3));
        return plan;
    }

    [Fact]
    public async Task On_SQLite_the_writers_look_up_of_an_open_report_uses_the_index_over_open_reports_keys()
    {
        var plan = await SqlitePlanAsync(db => GroupCommitStore.OpenReports(db, ["dddd", "eeee"]).ToQueryString(), ("@duplicateKeys", "[\"dddd\",\"eeee\"]"));

        Assert.Contains(plan, step => step.Contains("USING INDEX IX_Reports_DuplicateKey_Status (DuplicateKey=? AND Status=?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_SQLite_the_writers_look_up_of_repeats_uses_the_unique_index_of_sites_and_client_request_ids()
    {
        var plan = await SqlitePlanAsync(db => GroupCommitStore.Repeats(db, "demo", ["a", "b"]).ToQueryString(),
            ("@siteKey", "demo"), ("@clientRequestIds", "[\"a\",\"b\"]"));

        Assert.Contains(plan, step => step.Contains("USING INDEX IX_ReportSubmissions_SiteKey_ClientRequestId (SiteKey=? AND ClientRequestId=?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_SQLite_the_index_of_duplicate_keys_is_defined_over_open_reports_only()
    {
        using var data = new TestData(DatabaseProvider.Sqlite);
        await using var connection = new SqliteConnection(data.ConnectionString);
        await using (var db = data.CreateDb())
            await db.Database.MigrateAsync();
        await connection.OpenAsync();
        await using var definition = connection.CreateCommand();
        definition.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'IX_Reports_DuplicateKey_Status'";

        var sql = (string?)await definition.ExecuteScalarAsync();

        Assert.NotNull(sql);
        Assert.EndsWith($"""WHERE "Status" = '{nameof(ReportStatus.New)}'""", sql);
    }

    [SkippableFact]
    public async Task On_PostgreSQL_the_writers_look_up_of_open_reports_can_use_the_index_over_open_reports_keys()
    {
        TestDatabase.SkipWithoutPostgres();
        using var data = new TestData(DatabaseProvider.PostgreSql);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        List<string> duplicateKeys = [new string('d', 64), new string('e', 64)];
        // With a constant status the server can prove the index's filter.
        var sql = GroupCommitStore.OpenReports(db, duplicateKeys).ToQueryString();

        await using var connection = new NpgsqlConnection(data.ConnectionString);
        await connection.OpenAsync();
        // An empty table is cheapest to read whole; told not to, the planner shows which index it could use.
        await using (var noScan = new NpgsqlCommand("SET enable_seqscan = off", connection))
            await noScan.ExecuteNonQueryAsync();
        // ToQueryString declares the list as a variable in front of the query; the server gets it as a parameter.
        var query = sql[(sql.IndexOf("SELECT", StringComparison.Ordinal))..].Replace("@duplicateKeys", "$1", StringComparison.Ordinal);
        await using var explain = new NpgsqlCommand("EXPLAIN " + query, connection);
        explain.Parameters.Add(new NpgsqlParameter { Value = duplicateKeys.ToArray() });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));

        Assert.Contains(plan, step => step.Contains("IX_Reports_DuplicateKey_Status", StringComparison.Ordinal));
    }
}
