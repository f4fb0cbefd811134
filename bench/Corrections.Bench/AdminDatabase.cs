using System.Diagnostics;
using System.Security.Cryptography;
using Corrections.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Corrections.Bench;

/// <summary>
/// A SQLite database as years in service leave it: reports on a few sites over three years, most of them closed, each
/// with its readers' submissions, its editors' mail sent (an outbox row done) and, once closed, the editor's triage in
/// its history; and a few mails parked or waiting for a retry. The schema is the service's migrations; the rows are
/// written with plain SQLite commands in large transactions, so that a million reports take minutes, not hours.
/// </summary>
public static class AdminDatabase
{
    public static readonly string[] Sites = ["demo", "harbour-times", "kyiv-daily", "alpine-post"];
    private static readonly double[] SiteShares = [0.4, 0.3, 0.2, 0.1];

    private const int ReportsATransaction = 20_000;
    private const int ParkedEvery = 2_000;
    private const int RetriedEvery = 5_000;

    private static readonly string[] Titles =
    [
        "Neighbours sign a treaty on the shared river after eighteen months",
        "City council approves the budget for the new tram line to the harbour",
        "Heatwave: hospitals postpone planned operations for a second week",
        "The national team qualifies for the final after a late penalty",
        "Parliament debates the reform of the pension system until the early hours",
        "Storm damage in the valley is larger than first thought, says the mayor",
    ];

    private static readonly string[] Passages =
    [
        "the goverment said", "Brusels", "recieved the award", "in the begining of", "accross the border",
        "untill the end of the month", "a seperate agreement", "the occured incident", "wich was signed",
        "the minister of finanse", "definately not", "their going to vote", "the comittee decided",
    ];

    private const string Prefix = "The minister said on Tuesday that the agreement, which had been negotiated over eighteen months, would be signed in ";
    private const string Suffix = " at the end of the month, after the parliaments of both countries have approved the final text of the treaty.";

    private static readonly (ReportStatus Status, string Action, double Share)[] Closed =
    [
        (ReportStatus.Fixed, "fixed", 0.52), (ReportStatus.Rejected, "reject", 0.25),
        (ReportStatus.Duplicate, "duplicate", 0.13), (ReportStatus.Spam, "spam", 0.10),
    ];

    // As EF Core stores a DateTimeOffset in SQLite for the service (CorrectionsDb.ConfigureConventions).
    private static readonly Func<DateTimeOffset, long> Stored = new DateTimeOffsetToBinaryConverter().ConvertToProviderTyped;

    public sealed record Filled(int Reports, long Submissions, long OutboxRows, int Parked, int Pending, long Bytes, TimeSpan Took);

    /// <summary>Fills a new database, <c>corrections.db</c> in <paramref name="folder"/>, with <paramref name="reports"/> reports.</summary>
    public static async Task<Filled> FillAsync(string folder, int reports, TextWriter? progress = null)
    {
        var started = Stopwatch.GetTimestamp();
        var path = Path.Combine(folder, "corrections.db");
        var options = new DbContextOptionsBuilder<CorrectionsDb>()
            .UseSqlite($"Data Source={path}", sqlite => sqlite.MigrationsAssembly("Corrections.Migrations.Sqlite"))
            .Options;
        await using (var db = new CorrectionsDb(options))
            await db.Database.MigrateAsync();

        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;");
        var writer = new Writer(connection);
        var random = new Random(20261201);
        var now = DateTimeOffset.UtcNow;
        var start = now.AddYears(-3);
        var step = (now - start) / Math.Max(reports, 1);
        long submissions = 0, outbox = 0;
        int parked = 0, pending = 0;
        var lastBySite = new Dictionary<string, Guid>();

        for (var first = 0; first < reports; first += ReportsATransaction)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            writer.Enlist(transaction);
            for (var i = first; i < Math.Min(reports, first + ReportsATransaction); i++)
            {
                var createdAt = start + step * i;
                var site = Pick(random, Sites, SiteShares);
                // The newest reports are mostly still open; older ones were nearly all triaged.
                var open = random.NextDouble() < (i >= reports * 0.97 ? 0.85 : 0.01);
                var (status, action, _) = open ? (ReportStatus.New, "", 0.0) : Closed[PickIndex(random, Closed.Select(c => c.Share).ToArray())];
                var closedAt = open ? (DateTimeOffset?)null : createdAt + TimeSpan.FromMinutes(random.Next(20, 72 * 60));
                var readers = random.NextDouble() switch { < 0.85 => 1, < 0.95 => 2, < 0.99 => random.Next(3, 6), _ => random.Next(6, 21) };
                var id = Guid.CreateVersion7(createdAt);
                var passage = Passages[random.Next(Passages.Length)];
                var suggestion = random.NextDouble() < 0.8 ? passage.Replace("goverment", "government").Replace("Brusels", "Brussels") + " (fixed)" : null;
                var comment = random.NextDouble() < 0.5 ? "The word is misspelt; the same mistake is in the caption of the photo below." : null;
                var withEmail = random.NextDouble() < 0.4;

                writer.Report(id, site, $"https://www.{site}.example/{createdAt:yyyy/MM/dd}/article-{i / 3}", Titles[i % Titles.Length],
                    passage + " " + i, suggestion, comment, status, readers, createdAt, closedAt,
                    status == ReportStatus.Duplicate && lastBySite.TryGetValue(site, out var original) ? original : null,
                    thanksQueued: status == ReportStatus.Fixed && withEmail);
                lastBySite[site] = id;
                for (var r = 0; r < readers; r++)
                    writer.Submission(id, site, r == 0 ? suggestion : null, r == 0 ? comment : null,
                        r == 0 && withEmail || random.NextDouble() < 0.3 ? $"reader{i}-{r}@example.net" : null, createdAt + TimeSpan.FromMinutes(r * 7));
                submissions += readers;
                if (closedAt is { } closed)
                    writer.Triage(id, site, action, status, closed);

                var (state, attempts, dueAt, error) = (i % ParkedEvery, i % RetriedEvery) switch
                {
                    (ParkedEvery - 1, _) => (OutboxState.Parked, 1, createdAt, "SMTP 550: 5.1.1 <editors@" + site + ".example>: Recipient address rejected: User unknown"),
                    (_, RetriedEvery - 1) => (OutboxState.Pending, 7, now.AddDays(1), "SMTP 451: 4.7.1 Try again later"),
                    _ => (OutboxState.Done, 1, createdAt, null),
                };
                writer.Outbox(id, $"editors@{site}.example", state, attempts, createdAt, dueAt, state == OutboxState.Done ? createdAt.AddSeconds(2) : createdAt, error);
                outbox++;
                parked += state == OutboxState.Parked ? 1 : 0;
                pending += state == OutboxState.Pending ? 1 : 0;
            }
            await transaction.CommitAsync();
            if (progress is not null && (first + ReportsATransaction) % 100_000 == 0)
                await progress.WriteLineAsync($"  {first + ReportsATransaction:N0} reports written, {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
        }
        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return new Filled(reports, submissions, outbox, parked, pending, new FileInfo(path).Length, Stopwatch.GetElapsedTime(started));
    }

    private static T Pick<T>(Random random, T[] values, double[] shares) => values[PickIndex(random, shares)];

    private static int PickIndex(Random random, double[] shares)
    {
        var x = random.NextDouble() * shares.Sum();
        for (var i = 0; i < shares.Length; i++)
            if ((x -= shares[i]) < 0)
                return i;
        return shares.Length - 1;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One prepared INSERT a table, with the columns the migrations give it.</summary>
    private sealed class Writer(SqliteConnection connection)
    {
        private readonly SqliteCommand report = Insert(connection, "Reports",
            "Id", "SiteKey", "Url", "DuplicateKey", "Title", "Language", "Exact", "Prefix", "Suffix", "Suggestion", "Comment",
            "Status", "ReaderCount", "CreatedAt", "UpdatedAt", "ClosedAt", "DuplicateOfId", "ReplyToken", "ThanksQueuedAt");
        private readonly SqliteCommand submission = Insert(connection, "ReportSubmissions",
            "ReportId", "SiteKey", "ClientRequestId", "Suggestion", "Comment", "ReaderEmail", "ReceivedAt", "ClientHash");
        private readonly SqliteCommand triage = Insert(connection, "ReportEvents",
            "ReportId", "At", "Actor", "Channel", "Action", "FromStatus", "ToStatus", "Note", "SourceMessageId");
        private readonly SqliteCommand outbox = Insert(connection, "Outbox",
            "Type", "Payload", "State", "CreatedAt", "DueAt", "Attempts", "LeaseOwner", "LeaseExpiresAt", "ProcessedAt", "LastError");

        public void Enlist(SqliteTransaction transaction)
        {
            foreach (var command in new[] { report, submission, triage, outbox })
                command.Transaction = transaction;
        }

        public void Report(Guid id, string site, string url, string title, string exact, string? suggestion, string? comment, ReportStatus status,
            int readers, DateTimeOffset createdAt, DateTimeOffset? closedAt, Guid? duplicateOf, bool thanksQueued) =>
            Run(report, id, site, url, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), title, "en", exact, Prefix, Suffix,
                suggestion, comment, status.ToString(), readers, Stored(createdAt), Stored(closedAt ?? createdAt), closedAt is { } c ? Stored(c) : null,
                duplicateOf, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), thanksQueued ? Stored(closedAt!.Value) : null);

        public void Submission(Guid reportId, string site, string? suggestion, string? comment, string? email, DateTimeOffset receivedAt) =>
            Run(submission, reportId, site, Guid.NewGuid().ToString(), suggestion, comment, email, Stored(receivedAt),
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

        public void Triage(Guid reportId, string site, string action, ReportStatus to, DateTimeOffset at) =>
            Run(triage, reportId, Stored(at), $"desk@{site}.example", nameof(TriageChannel.Link), action, nameof(ReportStatus.New), to.ToString(), null, null);

        public void Outbox(Guid reportId, string editor, OutboxState state, int attempts, DateTimeOffset createdAt, DateTimeOffset dueAt, DateTimeOffset processedAt, string? error) =>
            Run(outbox, "ReportSubmitted", $$"""{"ReportId":"{{reportId}}","Editor":"{{editor}}"}""", state.ToString(), Stored(createdAt), Stored(dueAt), attempts,
                null, null, state == OutboxState.Pending ? null : Stored(processedAt), error);

        private static SqliteCommand Insert(SqliteConnection connection, string table, params string[] columns)
        {
            var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"${i}"))})";
            for (var i = 0; i < columns.Length; i++)
                command.Parameters.Add(new SqliteParameter($"${i}", null));
            return command;
        }

        private static void Run(SqliteCommand command, params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
    }
}
