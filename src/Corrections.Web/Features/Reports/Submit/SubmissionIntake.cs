using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Configuration;
using Corrections.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// On SQLite the writer takes the groups of a burst into the intake (<see cref="IntakeGroup"/>): one row a group, at
/// the end of one table, where the rows themselves would each go into their table and every index on it, most of them
/// at a random place of a large index. Once the burst is over it sorts them into their reports, submissions and outbox
/// rows, a few hundred submissions in one transaction, in the order they came.
/// Until a group is sorted, what later groups must find of it is kept here, in memory: its open reports by duplicate
/// key, so that readers of the same passage join them, and its submissions by client request id, so that a repeat
/// gets the same answer. Only the writer uses it, one group at a time.
/// Once it holds <see cref="DatabaseOptions.IntakeLimit"/> submissions, or has held a group for <see cref="SortWithin"/>,
/// a group whose readers join a report in it still goes in, behind that report, but any other goes straight into its
/// tables: sorting a group costs the writer more than writing it straight would have, so the intake pays off only for
/// what a lull lets it sort.
/// </summary>
public sealed class SubmissionIntake(IOptions<DatabaseOptions> database, ILogger<SubmissionIntake> logger)
{
    /// <summary>
    /// Submissions sorted in one transaction: enough that the transaction's own cost is shared by many, few enough that
    /// a reader arriving meanwhile waits only some tens of milliseconds.
    /// </summary>
    public const int SortChunk = 256;

    /// <summary>
    /// Submissions sorted after each group while a burst goes on past the intake's limits: several groups' worth, so that
    /// the intake shrinks while it takes, and readers wait for a few milliseconds' sort at a time rather than a whole
    /// chunk's. Measured against a whole chunk a group: more reports a second and a p99 of 12 ms instead of 17-22.
    /// </summary>
    public const int OverdueSortChunk = 96;

    /// <summary>
    /// How long a group may wait to be sorted, even while the burst goes on: after that the writer sorts some after
    /// each group it takes, so that editors learn of a burst's reports about a minute after it began at the latest.
    /// </summary>
    public static readonly TimeSpan SortWithin = TimeSpan.FromMinutes(1);

    // Keyed by 64 bits of a SHA-256 rather than by the strings: a burst of a few hundred thousand distinct reports is
    // held in about 20 MB instead of a hundred or more. That two of the 320,000 keys the intake holds by default share
    // those bits is less likely than one in a hundred million.
    private readonly Dictionary<ulong, Guid> openReports = [];
    private readonly Dictionary<ulong, (Guid ReportId, ReportStatus Status)> submissions = [];
    private readonly Queue<DateTimeOffset> takenAt = []; // of each unsorted group, oldest first
    private volatile int unsorted;

    /// <summary>Submissions taken and not yet sorted.</summary>
    public int Unsorted => unsorted;

    /// <summary>
    /// Whether the intake takes only groups whose readers join a report in it: it is full, or it has held a group so long
    /// that it is being sorted. Other groups go straight into their tables.
    /// </summary>
    public bool TakesOnlyJoiners(DateTimeOffset now) => unsorted >= database.Value.IntakeLimit || HeldTooLong(now);

    /// <summary>
    /// Whether the intake must be sorted even while a burst goes on: it has held a group too long, or groups that join
    /// its reports have taken it a whole group past its limit (any other group can take it only that far).
    /// </summary>
    public bool Overdue(DateTimeOffset now) => unsorted >= database.Value.IntakeLimit + SubmissionWriter.MaxBatch || HeldTooLong(now);

    private bool HeldTooLong(DateTimeOffset now) => takenAt.TryPeek(out var oldest) && now - oldest >= SortWithin;

    /// <summary>Adds to what the look-ups found in the tables what the unsorted groups hold.</summary>
    public void AddTo(StoredBefore found, IReadOnlyList<PreparedSubmission> batch)
    {
        if (unsorted == 0)
            return;
        foreach (var submission in batch)
        {
            var siteKey = submission.Site.Key;
            if (!found.Repeats.ContainsKey((siteKey, submission.ClientRequestId))
                && submissions.TryGetValue(submission.IntakeKey, out var taken))
                found.Repeats[(siteKey, submission.ClientRequestId)] = new SubmitReportResult(taken.ReportId, taken.Status, Joined: true);
            if (submission.Trap is null && !found.Open.ContainsKey(submission.DuplicateKey)
                && openReports.TryGetValue(OpenKey(submission.DuplicateKey), out var open))
            {
                found.Open[submission.DuplicateKey] = open;
                found.OpenInIntake.Add(open);
            }
        }
    }

    /// <summary>Writes the group's rows as one intake row, in the writer's transaction; nothing when the group was all repeats.</summary>
    /// <returns>Whether anything was written; if so, <see cref="Remember"/> it once committed.</returns>
    public static async Task<bool> TakeAsync(CorrectionsDb db, NewRows rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rows.Submissions.Count == 0)
            return false;
        var group = new IntakeGroup { Rows = IntakeRows.Of(rows).ToBytes(), TakenAt = now };
        await db.InsertAsync([[group]], cancellationToken);
        return true;
    }

    /// <summary>Keeps what later groups must find of a group taken and committed.</summary>
    /// <param name="takenKeys">The <see cref="SubmissionKey"/> of each of <paramref name="taken"/>, in their order.</param>
    public void Remember(IReadOnlyList<Report> reports, IReadOnlyList<ReportSubmission> taken, IReadOnlyList<ulong> takenKeys, DateTimeOffset at)
    {
        takenAt.Enqueue(at);
        foreach (var report in reports)
        {
            if (report.Status == ReportStatus.New)
                openReports[OpenKey(report.DuplicateKey)] = report.Id;
        }
        for (var i = 0; i < taken.Count; i++)
            submissions[takenKeys[i]] = (taken[i].ReportId, StatusOf(taken[i].ReportId, reports));
        unsorted = submissions.Count;
    }

    /// <summary>The status of a report the group created (a bot's is spam); one it joined is open.</summary>
    private static ReportStatus StatusOf(Guid reportId, IReadOnlyList<Report> created)
    {
        foreach (var report in created)
            if (report.Id == reportId)
                return report.Status;
        return ReportStatus.New;
    }

    /// <summary>Forgets a sorted group (or one that cannot be sorted): the tables answer for it now.</summary>
    public void Forget(UnsortedGroup group)
    {
        foreach (var report in group.Rows.Reports)
        {
            var key = OpenKey(report.DuplicateKey);
            if (openReports.TryGetValue(key, out var id) && id == report.Id)
                openReports.Remove(key);
        }
        foreach (var submission in group.Rows.Submissions)
            submissions.Remove(SubmissionKey(submission.SiteKey, submission.ClientRequestId));
        takenAt.TryDequeue(out _); // groups are sorted in the order they were taken
        unsorted = submissions.Count;
        if (unsorted == 0)
            ForgetAll();
    }

    /// <summary>Forgets everything kept: the intake is sorted, or holds nothing that can be read any more.</summary>
    public void ForgetAll()
    {
        // A burst's keys held tens of megabytes; give them back.
        openReports.Clear();
        openReports.TrimExcess();
        submissions.Clear();
        submissions.TrimExcess();
        takenAt.Clear();
        takenAt.TrimExcess();
        unsorted = 0;
    }

    /// <summary>As the writer starts: remembers the groups a previous run took and did not sort, one at a time.</summary>
    public Task LoadAsync(CorrectionsDb db, CancellationToken cancellationToken) =>
        ReadAsync(db, group =>
        {
            Remember(group.Rows.Reports, group.Rows.Submissions, [.. group.Rows.Submissions.Select(s => SubmissionKey(s.SiteKey, s.ClientRequestId))], group.TakenAt);
            return true;
        }, cancellationToken);

    /// <summary>The oldest unsorted groups, whole, up to about <paramref name="chunk"/> submissions.</summary>
    public async Task<List<UnsortedGroup>> OldestAsync(CorrectionsDb db, int chunk, CancellationToken cancellationToken)
    {
        var groups = new List<UnsortedGroup>();
        var count = 0;
        await ReadAsync(db, group =>
        {
            groups.Add(group);
            count += group.Rows.Submissions.Count;
            return count < chunk;
        }, cancellationToken);
        return groups;
    }

    /// <summary>Reads the unsorted groups in the order they were taken, each to <paramref name="take"/>, until it answers false.</summary>
    private async Task ReadAsync(CorrectionsDb db, Func<UnsortedGroup, bool> take, CancellationToken cancellationToken)
    {
        var unreadable = new List<(long Id, Exception Error)>();
        await foreach (var group in db.Intake.AsNoTracking().Where(g => g.SortError == null).OrderBy(g => g.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            IntakeRows rows;
            try
            {
                rows = IntakeRows.FromBytes(group.Rows);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException)
            {
                unreadable.Add((group.Id, ex));
                continue;
            }
            if (!take(new UnsortedGroup(group.Id, group.TakenAt, rows)))
                break;
        }
        foreach (var (id, error) in unreadable)
        {
            logger.LogError(error, "Intake group {GroupId} cannot be read; it is kept in the intake, set aside", id);
            await SetAsideAsync(db, id, error, cancellationToken);
        }
    }

    private const string DeleteSql = """DELETE FROM "Intake" WHERE "Id" = ?1""";

    /// <summary>Writes the groups' rows into their tables and deletes the groups, in the writer's transaction.</summary>
    /// <returns>The rows written.</returns>
    public static async Task<NewRows> SortAsync(CorrectionsDb db, IReadOnlyList<UnsortedGroup> groups, CancellationToken cancellationToken)
    {
        var rows = new NewRows();
        foreach (var group in groups)
            group.Rows.AddTo(rows);
        await rows.WriteAsync(db, cancellationToken);
        await db.RunOnSqliteAsync(sqlite =>
        {
            using var prepared = sqlite.Prepare(DeleteSql);
            var delete = prepared.Statement;
            foreach (var group in groups)
            {
                SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(delete, 1, group.Id), sqlite.Handle!);
                delete.Execute(sqlite.Handle!);
            }
        }, cancellationToken);
        return rows;
    }

    /// <summary>Keeps a group that cannot be sorted, with the reason, out of the way of the others.</summary>
    public static Task<int> SetAsideAsync(CorrectionsDb db, long groupId, Exception error, CancellationToken cancellationToken)
    {
        var reason = $"{error.GetType().Name}: {error.Message}";
        return db.Intake.Where(g => g.Id == groupId).ExecuteUpdateAsync(set => set.SetProperty(g => g.SortError, reason[..Math.Min(reason.Length, 2000)]), cancellationToken);
    }

    /// <summary>The first 64 of the duplicate key's 80 bits, which it holds in hexadecimal.</summary>
    private static ulong OpenKey(string duplicateKey) =>
        ulong.Parse(duplicateKey.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>
    /// A submission by site and client request id: 64 bits of a SHA-256, worked out on the request's thread
    /// (<see cref="PreparedSubmission.IntakeKey"/>) rather than by the writer.
    /// </summary>
    public static ulong SubmissionKey(string siteKey, string clientRequestId)
    {
        Span<byte> text = stackalloc byte[Encoding.UTF8.GetMaxByteCount(siteKey.Length + clientRequestId.Length + 1)];
        var length = Encoding.UTF8.GetBytes(siteKey, text);
        text[length++] = (byte)'\n';
        length += Encoding.UTF8.GetBytes(clientRequestId, text[length..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..length], hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }
}

/// <summary>A group taken into the intake, read back to be sorted.</summary>
public sealed record UnsortedGroup(long Id, DateTimeOffset TakenAt, IntakeRows Rows);

/// <summary>What an intake row holds: a group's new rows, and the readers it adds to reports stored before it.</summary>
public sealed record IntakeRows(
    List<Report> Reports, List<ReportSubmission> Submissions, List<ReportEvent> Events, List<OutboxMessage> Outbox, List<JoinedReaders> Joined)
{
    public static IntakeRows Of(NewRows rows) => new(
        rows.Reports, rows.Submissions, rows.Events, rows.Outbox,
        [.. rows.Joined.Select(j => new JoinedReaders(j.Key, j.Value.Readers, j.Value.At))]);

    /// <summary>
    /// The group as stored: JSON compressed by zlib, at its fastest. A group's rows repeat the same names and much of
    /// the same text (a reader's suggestion is in the report and the submission, an article's title and context in each
    /// of its reports), so compressed it fits in a page or two where the JSON took several: less for the log to write
    /// and sync while readers wait, and less for a checkpoint to copy.
    /// </summary>
    public byte[] ToBytes()
    {
        using var bytes = new MemoryStream();
        using (var zlib = new ZLibStream(bytes, CompressionLevel.Fastest, leaveOpen: true))
            JsonSerializer.Serialize(zlib, this, IntakeJson.Default.IntakeRows);
        return bytes.ToArray();
    }

    /// <summary>A group as stored by <see cref="ToBytes"/>, or as plain JSON, as groups were stored before.</summary>
    /// <exception cref="JsonException">The JSON is not a group's.</exception>
    /// <exception cref="InvalidDataException">The bytes are neither JSON nor compressed.</exception>
    public static IntakeRows FromBytes(byte[] stored)
    {
        Stream bytes = new MemoryStream(stored, writable: false);
        using var json = stored is [(byte)'{', ..] ? bytes : new ZLibStream(bytes, CompressionMode.Decompress);
        return JsonSerializer.Deserialize(json, IntakeJson.Default.IntakeRows) ?? throw new JsonException("The row holds null");
    }

    /// <summary>Adds this group's rows to those of the groups sorted with it, after theirs.</summary>
    public void AddTo(NewRows rows)
    {
        rows.Reports.AddRange(Reports);
        rows.Submissions.AddRange(Submissions);
        rows.Events.AddRange(Events);
        rows.Outbox.AddRange(Outbox);
        foreach (var joined in Joined)
            rows.Join(joined.ReportId, joined.At, joined.Readers);
    }
}

public sealed record JoinedReaders(Guid ReportId, int Readers, DateTimeOffset At);

[JsonSerializable(typeof(IntakeRows))]
internal sealed partial class IntakeJson : JsonSerializerContext;
