using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Mediator;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Corrections.Features.Reports.Submit;

public sealed record SubmitReport(
    string Site,
    string Url,
    string? Title,
    string? Lang,
    string Exact,
    string Prefix,
    string Suffix,
    string? Suggestion,
    string? Comment,
    string? ReaderEmail,
    string? ClientRequestId,
    string? ClientHash = null,
    string? Honeypot = null,
    long? ElapsedMs = null) : ICommand<SubmitReportResult>;

/// <param name="Joined">The report already existed: this submission was a repeat or another reader's duplicate.</param>
public sealed record SubmitReportResult(Guid Id, ReportStatus Status, bool Joined);

/// <summary>Submissions are not committed one by one: the writer commits those that arrive together in one transaction.</summary>
public sealed class SubmitReportHandler(SubmissionRecorder recorder, SubmissionWriter writer) : ICommandHandler<SubmitReport, SubmitReportResult>
{
    public ValueTask<SubmitReportResult> Handle(SubmitReport command, CancellationToken cancellationToken) =>
        writer.WriteAsync(recorder.Prepare(command), cancellationToken);

    /// <summary>The URL as stored: escaped, without the default port and without the fragment, which is only the reader's position.</summary>
    public static string StoredUrl(Uri url) => url.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);

    /// <summary>
    /// Reports on the same page (query and fragment aside) about the same quoted passage are one report: the first
    /// <see cref="Report.DuplicateKeyLength"/> hexadecimal characters of the SHA-256 of the site, the page, the prefix,
    /// the passage and the suffix, one a line, in UTF-8. Encoded part by part into one
    /// pooled buffer rather than joined into a string first; a line break between the parts keeps the bytes the same.
    /// </summary>
    public static string DuplicateKey(string siteKey, Uri url, string prefix, string exact, string suffix)
    {
        string[] parts = [siteKey.ToLowerInvariant(), url.GetLeftPart(UriPartial.Path), prefix, exact, suffix];
        var size = 0;
        foreach (var part in parts)
            size += Encoding.UTF8.GetMaxByteCount(part.Length) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var length = 0;
            for (var i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                    buffer[length++] = (byte)'\n';
                length += Encoding.UTF8.GetBytes(parts[i], buffer.AsSpan(length));
            }
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash[..(Report.DuplicateKeyLength / 2)]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A submission with what can be worked out before the writer takes it: the site, its duplicate key, whether a bot trap caught it.</summary>
/// <param name="NewReportId">The id of the report it makes, if it makes one rather than joining one.</param>
/// <param name="NewReplyToken">That report's reply token.</param>
/// <param name="IntakeKey">On SQLite, its key in the intake (<see cref="SubmissionIntake.SubmissionKey"/>); 0 on a database server.</param>
public sealed record PreparedSubmission(
    SubmitReport Command, Site Site, string ClientRequestId, string DuplicateKey, string Url, string? Trap, DateTimeOffset ReceivedAt,
    Guid NewReportId, string NewReplyToken, ulong IntakeKey);

/// <summary>
/// Applies the submissions of one writer batch, in order, to one unit of work: each is a repeat, a duplicate joining an
/// open report, a bot's, or a new report. <see cref="SubmissionLookups"/> finds the repeats and the open reports they may
/// join; later submissions see earlier ones.
/// </summary>
public sealed class SubmissionRecorder(
    SiteDirectory sites, ReportKeys keys, TimeProvider time, IOptions<AbuseOptions> abuse, IOptions<DatabaseOptions> database, ILogger<SubmissionRecorder> logger)
{
    /// <summary>
    /// The work that needs no database, done on the request's thread so that the single writer only writes: the keys of
    /// the report it may make too, though a duplicate or a repeat does not use them.
    /// </summary>
    public PreparedSubmission Prepare(SubmitReport command)
    {
        var site = sites.Find(command.Site)!; // the validator has checked it
        var url = new Uri(command.Url);
        var now = time.GetUtcNow();
        var clientRequestId = command.ClientRequestId ?? Guid.NewGuid().ToString();
        return new PreparedSubmission(
            command,
            site,
            clientRequestId,
            SubmitReportHandler.DuplicateKey(site.Key, url, command.Prefix, command.Exact, command.Suffix),
            SubmitReportHandler.StoredUrl(url),
            TrapReason(command),
            now,
            keys.NewId(now),
            keys.NewReplyToken(now),
            database.Value.Provider == DatabaseProvider.Sqlite ? SubmissionIntake.SubmissionKey(site.Key, clientRequestId) : 0);
    }

    /// <summary>Works out the group's new rows and the readers it adds to stored open reports; writes nothing yet.</summary>
    /// <param name="intake">On SQLite, what the writer took during a burst and has not sorted yet, which the look-ups find too.</param>
    public async Task<(SubmitReportResult[] Results, NewRows Rows)> RecordAsync(
        CorrectionsDb db, IReadOnlyList<PreparedSubmission> batch, SubmissionIntake? intake, CancellationToken cancellationToken)
    {
        var found = await SubmissionLookups.FindAsync(db, batch, cancellationToken);
        intake?.AddTo(found, batch);
        var (answered, stored) = found;
        var joinable = stored.ToDictionary(p => p.Key, p => new Joinable(p.Value, Created: null), StringComparer.Ordinal);
        var rows = new NewRows();
        var results = new SubmitReportResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var submission = batch[i];
            var key = (submission.Site.Key, submission.ClientRequestId);
            if (answered.TryGetValue(key, out var repeat))
            {
                results[i] = repeat;
                continue;
            }
            var (result, storedStatus) = Record(rows, submission, joinable);
            results[i] = result;
            answered[key] = result with { Status = storedStatus, Joined = true };
        }
        rows.JoinsIntake = found.OpenInIntake.Count > 0 && rows.Joined.Keys.Any(found.OpenInIntake.Contains);
        return (results, rows);
    }

    /// <summary>An open report that submissions of the group join: one stored before, or one the group creates.</summary>
    private sealed record Joinable(Guid Id, Report? Created);

    /// <returns>The answer, and the status the report is stored with (which a bot is not told).</returns>
    private (SubmitReportResult Result, ReportStatus Stored) Record(NewRows rows, PreparedSubmission prepared, Dictionary<string, Joinable> joinable)
    {
        var command = prepared.Command;
        var site = prepared.Site;
        var now = prepared.ReceivedAt;
        var submission = new ReportSubmission
        {
            SiteKey = site.Key,
            ClientRequestId = prepared.ClientRequestId,
            Suggestion = command.Suggestion,
            Comment = command.Comment,
            ReaderEmail = command.ReaderEmail,
            ReceivedAt = now,
            ClientHash = command.ClientHash,
        };
        rows.Submissions.Add(submission);
        rows.SubmissionKeys.Add(prepared.IntakeKey);

        var trap = prepared.Trap;
        if (trap is null && joinable.TryGetValue(prepared.DuplicateKey, out var open))
        {
            if (open.Created is { } created)
            {
                created.ReaderCount++;
                created.UpdatedAt = now;
            }
            else
            {
                rows.Join(open.Id, now);
            }
            submission.ReportId = open.Id;
            return (new SubmitReportResult(open.Id, ReportStatus.New, Joined: true), ReportStatus.New);
        }

        var report = new Report
        {
            Id = prepared.NewReportId,
            SiteKey = site.Key,
            Url = prepared.Url,
            DuplicateKey = prepared.DuplicateKey,
            Title = command.Title,
            Language = command.Lang ?? site.Language,
            Exact = command.Exact,
            Prefix = command.Prefix,
            Suffix = command.Suffix,
            Suggestion = command.Suggestion,
            Comment = command.Comment,
            Status = ReportStatus.New,
            ReaderCount = 1,
            CreatedAt = now,
            UpdatedAt = now,
            ReplyToken = prepared.NewReplyToken,
        };
        submission.ReportId = report.Id;
        rows.Reports.Add(report);
        if (trap is not null)
        {
            // Answered like any report, so the bot learns nothing; kept as spam for analysis and never mailed.
            report.Status = ReportStatus.Spam;
            report.ClosedAt = now;
            rows.Events.Add(new ReportEvent
            {
                ReportId = report.Id, At = now, Actor = "bot trap", Channel = TriageChannel.Filter, Action = "spam",
                FromStatus = ReportStatus.New, ToStatus = ReportStatus.Spam, Note = trap,
            });
            logger.LogInformation("Report {ReportId} on {Site} caught by a bot trap: {Reason}", report.Id, site.Key, trap);
            return (new SubmitReportResult(report.Id, ReportStatus.New, Joined: false), report.Status);
        }
        joinable[prepared.DuplicateKey] = new Joinable(report.Id, report);
        foreach (var editor in site.Editors)
            rows.Outbox.Add(OutboxNotifications.Create(new ReportSubmitted(report.Id, editor), now));
        // Debug, not Information: at a viral article's rate a line per report costs the single writer more than the insert.
        logger.LogDebug("Report {ReportId} on {Site} received", report.Id, site.Key);
        return (new SubmitReportResult(report.Id, report.Status, Joined: false), report.Status);
    }

    private string? TrapReason(SubmitReport command)
    {
        if (!string.IsNullOrEmpty(command.Honeypot))
            return "the hidden field was filled in";
        var minimum = abuse.Value.MinimumFillMilliseconds;
        if (command.ElapsedMs is { } elapsed && elapsed < minimum)
            return $"sent {elapsed} ms after the dialog opened (a person needs {minimum} ms)";
        return null;
    }
}

/// <summary>
/// What a writer batch writes after its look-ups: its new rows, inserted in this order (reports before what refers to
/// them), and the readers it adds to open reports stored before.
/// </summary>
public sealed class NewRows
{
    public List<Report> Reports { get; } = [];
    public List<ReportSubmission> Submissions { get; } = [];
    public List<ReportEvent> Events { get; } = [];
    public List<OutboxMessage> Outbox { get; } = [];

    /// <summary>On SQLite, the intake key of each of <see cref="Submissions"/> the writer recorded, in their order.</summary>
    public List<ulong> SubmissionKeys { get; } = [];

    /// <summary>
    /// Whether readers of the group join a report that is still in the intake: then the group must go into the intake
    /// too, behind that report, which its rows refer to.
    /// </summary>
    public bool JoinsIntake { get; set; }

    /// <summary>By stored report: how many readers joined it, and when the last one came.</summary>
    public Dictionary<Guid, (int Readers, DateTimeOffset At)> Joined { get; } = [];

    public void Join(Guid reportId, DateTimeOffset at, int readers = 1)
    {
        var (before, last) = Joined.GetValueOrDefault(reportId);
        Joined[reportId] = (before + readers, at > last ? at : last);
    }

    public async Task WriteAsync(CorrectionsDb db, CancellationToken cancellationToken)
    {
        await db.InsertAsync([Reports, Submissions, Events, Outbox], cancellationToken);
        // Added to the stored count rather than written over it, so that another instance's readers joining the same
        // report meanwhile are counted too.
        if (Joined.Count == 0 || await db.RunOnSqliteAsync(sqlite => AddJoinedReaders(sqlite, db.Model), cancellationToken))
            return;
        foreach (var (reportId, (readers, at)) in Joined)
            await db.Reports.Where(r => r.Id == reportId).ExecuteUpdateAsync(set => set
                .SetProperty(r => r.ReaderCount, r => r.ReaderCount + readers)
                .SetProperty(r => r.UpdatedAt, at), cancellationToken);
    }

    // The later time kept: readers sorted from the intake may have come before others who joined the report since.
    private const string AddReadersSql = """UPDATE "Reports" SET "ReaderCount" = "ReaderCount" + ?1, "UpdatedAt" = max("UpdatedAt", ?2) WHERE "Id" = ?3""";

    /// <summary>
    /// On SQLite one statement, prepared once a group and run once a report: through EF Core each update was a query
    /// looked up and its parameters extracted again, about a tenth of the service's CPU when a viral article's readers
    /// join a few reports.
    /// </summary>
    private void AddJoinedReaders(SqliteConnection connection, IModel model)
    {
        var handle = connection.Handle!;
        // The instant as the model stores it.
        var updatedAt = model.FindEntityType(typeof(Report))!.FindProperty(nameof(Report.UpdatedAt))!.GetTypeMapping().Converter!;
        using var prepared = connection.Prepare(AddReadersSql);
        var update = prepared.Statement;
        foreach (var (reportId, (readers, at)) in Joined)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int(update, 1, readers), handle);
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(update, 2, (long)updatedAt.ConvertToProvider(at)!), handle);
            SqliteException.ThrowExceptionForRC(update.BindGuid(3, reportId), handle);
            update.Execute(handle);
        }
    }
}
