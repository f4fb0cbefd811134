using Corrections.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace Corrections.Features.Reports.Submit;

/// <summary>What a writer group's look-ups found: the submissions stored before, and the open reports new ones join.</summary>
/// <param name="Repeats">By site and client request id: the report each repeated submission went to, and its status.</param>
/// <param name="Open">By duplicate key: the open report that a new submission with that key joins.</param>
public sealed record StoredBefore(Dictionary<(string SiteKey, string ClientRequestId), SubmitReportResult> Repeats, Dictionary<string, Guid> Open)
{
    /// <summary>Of <see cref="Open"/>, the reports found in the intake, not yet sorted into the tables.</summary>
    public HashSet<Guid> OpenInIntake { get; } = [];
}

/// <summary>
/// The writer's two look-ups for a group, in its transaction. On a database server, two queries a group, compiled once.
/// On SQLite, which runs in the process, one statement each, prepared once a group and run once a key with its values
/// bound by position: through EF Core the two queries took the writer about as long as all the group's inserts.
/// </summary>
public static class SubmissionLookups
{
    private const string RepeatSql =
        """SELECT r."Id", r."Status" FROM "ReportSubmissions" AS s JOIN "Reports" AS r ON r."Id" = s."ReportId" WHERE s."SiteKey" = ?1 AND s."ClientRequestId" = ?2""";

    // The status written out as the index's filter, not bound: only then can SQLite tell that the index answers.
    internal const string OpenSql = $"""SELECT "Id" FROM "Reports" WHERE "DuplicateKey" = ?1 AND {CorrectionsDb.OpenReportFilter} LIMIT 1""";

    public static async Task<StoredBefore> FindAsync(CorrectionsDb db, IReadOnlyList<PreparedSubmission> batch, CancellationToken cancellationToken)
    {
        var found = new StoredBefore(new(), new(StringComparer.Ordinal));
        // Caught by a bot trap, a submission never joins a report.
        var duplicateKeys = batch.Where(s => s.Trap is null).Select(s => s.DuplicateKey).Distinct(StringComparer.Ordinal).ToList();
        if (await db.RunOnSqliteAsync(sqlite => FindInSqlite(sqlite, batch, duplicateKeys, found, cancellationToken), cancellationToken))
            return found;

        var queries = Queries.Of(db);
        foreach (var site in batch.GroupBy(s => s.Site.Key, StringComparer.Ordinal))
        {
            var clientRequestIds = site.Select(s => s.ClientRequestId).Distinct().ToList();
            await foreach (var repeat in queries.Repeats(db, site.Key, clientRequestIds).WithCancellation(cancellationToken))
                found.Repeats[(site.Key, repeat.ClientRequestId)] = new SubmitReportResult(repeat.Id, repeat.Status, Joined: true);
        }
        if (duplicateKeys.Count > 0)
            await foreach (var open in queries.OpenReports(db, duplicateKeys).WithCancellation(cancellationToken))
                found.Open.TryAdd(open.DuplicateKey, open.Id);
        return found;
    }

    private static void FindInSqlite(SqliteConnection connection, IReadOnlyList<PreparedSubmission> batch, List<string> duplicateKeys, StoredBefore found, CancellationToken cancellationToken)
    {
        var handle = connection.Handle!;
        using (var preparedRepeats = connection.Prepare(RepeatSql))
        {
            var repeats = preparedRepeats.Statement;
            foreach (var submission in batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Check(raw.sqlite3_bind_text16(repeats, 1, submission.Site.Key.AsSpan()), handle);
                Check(raw.sqlite3_bind_text16(repeats, 2, submission.ClientRequestId.AsSpan()), handle);
                if (Step(repeats, handle))
                    found.Repeats[(submission.Site.Key, submission.ClientRequestId)] = new SubmitReportResult(
                        Guid.Parse(raw.sqlite3_column_text(repeats, 0).utf8_to_string()),
                        Enum.Parse<ReportStatus>(raw.sqlite3_column_text(repeats, 1).utf8_to_string()),
                        Joined: true);
                raw.sqlite3_reset(repeats);
            }
        }
        if (duplicateKeys.Count == 0)
            return;
        using var preparedOpen = connection.Prepare(OpenSql);
        var open = preparedOpen.Statement;
        foreach (var key in duplicateKeys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Check(raw.sqlite3_bind_text16(open, 1, key.AsSpan()), handle);
            if (Step(open, handle))
                found.Open[key] = Guid.Parse(raw.sqlite3_column_text(open, 0).utf8_to_string());
            raw.sqlite3_reset(open);
        }
    }

    /// <returns>Whether the statement gave a row.</returns>
    private static bool Step(sqlite3_stmt statement, sqlite3 handle)
    {
        var step = raw.sqlite3_step(statement);
        if (step is not (raw.SQLITE_ROW or raw.SQLITE_DONE))
            SqliteException.ThrowExceptionForRC(step, handle);
        return step == raw.SQLITE_ROW;
    }

    private static void Check(int result, sqlite3 handle) => SqliteException.ThrowExceptionForRC(result, handle);

    /// <summary>
    /// The look-ups on a database server, compiled once: translating them for every group cost more than running them.
    /// Kept on the model, since a compiled query serves only the model it first ran with.
    /// </summary>
    private sealed record Queries(
        Func<CorrectionsDb, string, List<string>, IAsyncEnumerable<Repeat>> Repeats,
        Func<CorrectionsDb, List<string>, IAsyncEnumerable<OpenReport>> OpenReports)
    {
        public static Queries Of(CorrectionsDb db) => db.Model.GetOrAddRuntimeAnnotationValue("Corrections:SubmissionLookups", static (object? _) => new Queries(
            // Per site, so that the unique index on (site, client request id) answers.
            EF.CompileAsyncQuery((CorrectionsDb db, string siteKey, List<string> clientRequestIds) => db.ReportSubmissions
                .Where(s => s.SiteKey == siteKey && clientRequestIds.Contains(s.ClientRequestId))
                .Join(db.Reports, s => s.ReportId, r => r.Id, (s, r) => new Repeat(s.ClientRequestId, r.Id, r.Status))),
            // The status is a constant, written into the SQL, so that the server's index over open reports' keys answers.
            EF.CompileAsyncQuery((CorrectionsDb db, List<string> duplicateKeys) => db.Reports
                .Where(r => duplicateKeys.Contains(r.DuplicateKey) && r.Status == ReportStatus.New)
                .Select(r => new OpenReport(r.DuplicateKey, r.Id)))), (object?)null);
    }

    private sealed record Repeat(string ClientRequestId, Guid Id, ReportStatus Status);

    private sealed record OpenReport(string DuplicateKey, Guid Id);
}
