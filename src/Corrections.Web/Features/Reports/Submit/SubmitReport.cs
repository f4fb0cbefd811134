using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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

    public const int ReplyTokenLength = 32;

    /// <summary>
    /// The time in milliseconds (9 characters, enough until the year 3084), then 115 random bits, in lower-case base32:
    /// safe in the local part of an address whatever the mail server does with case, and not to be guessed. Time first,
    /// the tokens of new reports go to the end of their unique index: a group of reports written together changes a
    /// page or two of it instead of a page each.
    /// </summary>
    public static string NewReplyToken(DateTimeOffset now)
    {
        // In the order of the characters' codes, so that tokens sort as their times do.
        const string alphabet = "234567abcdefghijklmnopqrstuvwxyz";
        const int timeLength = 9;
        Span<char> token = stackalloc char[ReplyTokenLength];
        var milliseconds = now.ToUnixTimeMilliseconds();
        for (var i = timeLength - 1; i >= 0; i--, milliseconds >>= 5)
            token[i] = alphabet[(int)(milliseconds & 31)];
        Span<byte> random = stackalloc byte[ReplyTokenLength - timeLength];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < random.Length; i++)
            token[timeLength + i] = alphabet[random[i] & 31];
        return new string(token);
    }

    /// <summary>
    /// Reports on the same page (query and fragment aside) about the same quoted passage are one report: the SHA-256 of
    /// the site, the page, the prefix, the passage and the suffix, one a line, in UTF-8. Encoded part by part into one
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
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A submission with what can be worked out before the writer takes it: the site, its duplicate key, whether a bot trap caught it.</summary>
public sealed record PreparedSubmission(
    SubmitReport Command, Site Site, string ClientRequestId, string DuplicateKey, string Url, string? Trap, DateTimeOffset ReceivedAt);

/// <summary>
/// Applies the submissions of one writer batch, in order, to one unit of work: each is a repeat, a duplicate joining an
/// open report, a bot's, or a new report. A query per site finds the repeats and one more the open reports they may join;
/// later submissions see earlier ones.
/// </summary>
public sealed class SubmissionRecorder(SiteDirectory sites, TimeProvider time, IOptions<AbuseOptions> abuse, ILogger<SubmissionRecorder> logger)
{
    /// <summary>The work that needs no database, done on the request's thread so that the single writer only writes.</summary>
    public PreparedSubmission Prepare(SubmitReport command)
    {
        var site = sites.Find(command.Site)!; // the validator has checked it
        var url = new Uri(command.Url);
        return new PreparedSubmission(
            command,
            site,
            command.ClientRequestId ?? Guid.NewGuid().ToString(),
            SubmitReportHandler.DuplicateKey(site.Key, url, command.Prefix, command.Exact, command.Suffix),
            SubmitReportHandler.StoredUrl(url),
            TrapReason(command),
            time.GetUtcNow());
    }

    /// <summary>
    /// The writer's look-ups, compiled once: it runs them for every group, and translating them each time cost more than
    /// running them. Kept on the model, since a compiled query serves only the model it first ran with.
    /// </summary>
    private sealed record Lookups(
        Func<CorrectionsDb, string, List<string>, IAsyncEnumerable<Repeat>> Repeats,
        Func<CorrectionsDb, List<string>, IAsyncEnumerable<Report>> OpenReports)
    {
        public static Lookups Of(CorrectionsDb db) => db.Model.GetOrAddRuntimeAnnotationValue("Corrections:SubmissionLookups", static (object? _) => new Lookups(
            // Per site, so that the unique index on (site, client request id) answers.
            EF.CompileAsyncQuery((CorrectionsDb db, string siteKey, List<string> clientRequestIds) => db.ReportSubmissions
                .Where(s => s.SiteKey == siteKey && clientRequestIds.Contains(s.ClientRequestId))
                .Join(db.Reports, s => s.ReportId, r => r.Id, (s, r) => new Repeat(s.ClientRequestId, r.Id, r.Status))),
            EF.CompileAsyncQuery((CorrectionsDb db, List<string> duplicateKeys) => db.Reports
                .Where(r => duplicateKeys.Contains(r.DuplicateKey) && r.Status == ReportStatus.New))), (object?)null);
    }

    private sealed record Repeat(string ClientRequestId, Guid Id, ReportStatus Status);

    /// <summary>Changes the open reports that submissions join in <paramref name="db"/>, and returns the new rows to insert.</summary>
    public async Task<(SubmitReportResult[] Results, NewRows Rows)> RecordAsync(CorrectionsDb db, IReadOnlyList<PreparedSubmission> batch, CancellationToken cancellationToken)
    {
        var lookups = Lookups.Of(db);
        var answered = new Dictionary<(string SiteKey, string ClientRequestId), SubmitReportResult>();
        foreach (var site in batch.GroupBy(s => s.Site.Key, StringComparer.Ordinal))
        {
            var clientRequestIds = site.Select(s => s.ClientRequestId).Distinct().ToList();
            await foreach (var repeat in lookups.Repeats(db, site.Key, clientRequestIds).WithCancellation(cancellationToken))
                answered[(site.Key, repeat.ClientRequestId)] = new SubmitReportResult(repeat.Id, repeat.Status, Joined: true);
        }

        var duplicateKeys = batch.Where(s => s.Trap is null).Select(s => s.DuplicateKey).Distinct().ToList();
        var openByKey = new Dictionary<string, Report>(StringComparer.Ordinal);
        if (duplicateKeys.Count > 0)
            await foreach (var report in lookups.OpenReports(db, duplicateKeys).WithCancellation(cancellationToken))
                openByKey.TryAdd(report.DuplicateKey, report);

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
            var report = Record(rows, submission, openByKey);
            results[i] = report.Result;
            answered[key] = report.Result with { Status = report.Stored.Status, Joined = true };
        }
        return (results, rows);
    }

    private (SubmitReportResult Result, Report Stored) Record(NewRows rows, PreparedSubmission prepared, Dictionary<string, Report> openByKey)
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

        var trap = prepared.Trap;
        if (trap is null && openByKey.TryGetValue(prepared.DuplicateKey, out var open))
        {
            open.ReaderCount++;
            open.UpdatedAt = now;
            submission.ReportId = open.Id;
            return (new SubmitReportResult(open.Id, open.Status, Joined: true), open);
        }

        var report = new Report
        {
            Id = Guid.CreateVersion7(now),
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
            ReplyToken = SubmitReportHandler.NewReplyToken(now),
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
            return (new SubmitReportResult(report.Id, ReportStatus.New, Joined: false), report);
        }
        openByKey[prepared.DuplicateKey] = report;
        foreach (var editor in site.Editors)
            rows.Outbox.Add(OutboxNotifications.Create(new ReportSubmitted(report.Id, editor), now));
        // Debug, not Information: at a viral article's rate a line per report costs the single writer more than the insert.
        logger.LogDebug("Report {ReportId} on {Site} received", report.Id, site.Key);
        return (new SubmitReportResult(report.Id, report.Status, Joined: false), report);
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

/// <summary>The rows a writer batch adds, inserted in this order after the lookups (reports before what refers to them).</summary>
public sealed class NewRows
{
    public List<Report> Reports { get; } = [];
    public List<ReportSubmission> Submissions { get; } = [];
    public List<ReportEvent> Events { get; } = [];
    public List<OutboxMessage> Outbox { get; } = [];

    public Task InsertAsync(CorrectionsDb db, CancellationToken cancellationToken) =>
        db.InsertAsync([Reports, Submissions, Events, Outbox], cancellationToken);
}
