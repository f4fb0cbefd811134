using Corrections.Features.Notifications;
using Corrections.Features.PageCheck;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Storage;
using Corrections.Features.Webhooks;
using Mediator;
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
    long? ElapsedMs = null,
    string? Author = null,
    string? Section = null) : ICommand<SubmitReportResult>;

/// <param name="Joined">The report already existed: this submission was a repeat or another reader's duplicate.</param>
public sealed record SubmitReportResult(Guid Id, ReportStatus Status, bool Joined);

/// <summary>
/// Works out what the submission would write (the report it makes, a bot's spam record, the editors' mail) and hands
/// it to the store, which decides against what is stored whether it repeats an earlier request, joins an open report
/// about the same passage, or makes its report, and answers once that is committed.
/// </summary>
public sealed class SubmitReportHandler(
    ISubmissionStore store,
    SiteDirectory sites,
    ReportKeys keys,
    TimeProvider time,
    SubmissionsInFlight inFlight,
    OutboxSignal outbox,
    IOptions<AbuseOptions> abuse,
    PassageChecks passageChecks,
    ILogger<SubmitReportHandler> logger) : ICommandHandler<SubmitReport, SubmitReportResult>
{
    public async ValueTask<SubmitReportResult> Handle(SubmitReport command, CancellationToken cancellationToken)
    {
        var prepared = Prepare(command);
        StoredSubmission stored;
        inFlight.Add();
        try
        {
            stored = await store.StoreAsync(prepared, cancellationToken);
        }
        finally
        {
            inFlight.Remove();
        }
        if (stored.WroteOutbox)
            outbox.Wake();
        if (stored.Outcome == SubmissionOutcome.Created && prepared.Report.Status == ReportStatus.Spam)
        {
            logger.LogInformation("Report {ReportId} on {Site} caught by a bot trap: {Reason}", stored.ReportId, prepared.Report.SiteKey, prepared.History[0].Note);
            // Answered like any report, so the bot learns nothing.
            return new SubmitReportResult(stored.ReportId, ReportStatus.New, Joined: false);
        }
        return new SubmitReportResult(stored.ReportId, stored.Status, Joined: stored.Outcome != SubmissionOutcome.Created);
    }

    private PreparedSubmission Prepare(SubmitReport command)
    {
        var site = sites.Find(command.Site)!; // the validator has checked it
        var url = new Uri(command.Url);
        var now = time.GetUtcNow();
        var submission = new ReportSubmission
        {
            SiteKey = site.Key,
            ClientRequestId = command.ClientRequestId ?? Guid.NewGuid().ToString(),
            Suggestion = command.Suggestion,
            Comment = command.Comment,
            ReaderEmail = command.ReaderEmail,
            ReceivedAt = now,
            ClientHash = command.ClientHash,
        };
        var report = new Report
        {
            Id = keys.NewId(now),
            SiteKey = site.Key,
            Url = StoredUrl(url),
            DuplicateKey = DuplicateKey(site.Key, url, command.Prefix, command.Exact, command.Suffix),
            Title = command.Title,
            Author = command.Author,
            Section = command.Section,
            Desk = site.DeskFor(url, command.Author, command.Section)?.Name,
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
            ReplyToken = keys.NewReplyToken(now),
        };
        if (TrapReason(command, abuse.Value.MinimumFillMilliseconds) is { } trap)
        {
            // Kept as spam for analysis and never mailed.
            report.Status = ReportStatus.Spam;
            report.ClosedAt = now;
            ReportEvent caught = new()
            {
                ReportId = report.Id, At = now, Actor = "bot trap", Channel = TriageChannel.Filter, Action = "spam",
                FromStatus = ReportStatus.New, ToStatus = ReportStatus.Spam, Note = trap,
            };
            return new PreparedSubmission(submission, report, [caught], []);
        }
        List<OutboxMessage> outbox =
        [
            // In digest mode the report waits for the next digest instead.
            .. site.MailOf(report.Desk).IsDigest ? [] : site.EditorsOf(report.Desk).Select(editor => OutboxNotifications.Create(new ReportSubmitted(report.Id, editor), now)),
            .. WebhookDeliveries.For(site, WebhookEvents.ReportCreated, report.Id, now),
        ];
        if (passageChecks.ChecksPagesOf(site))
            outbox.Add(passageChecks.ArrivalCheck(report.Id, now));
        return new PreparedSubmission(submission, report, [], outbox);
    }

    /// <summary>Why a bot trap caught the submission, or null for a reader's.</summary>
    public static string? TrapReason(SubmitReport command, int minimum)
    {
        if (!string.IsNullOrEmpty(command.Honeypot))
            return "the hidden field was filled in";
        if (command.ElapsedMs is { } elapsed && elapsed < minimum)
            return $"sent {elapsed} ms after the dialog opened (a person needs {minimum} ms)";
        return null;
    }

    /// <summary>The URL as stored: escaped, without the default port and without the fragment, which is only the reader's position.</summary>
    public static string StoredUrl(Uri url) => url.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);

    /// <summary>
    /// Finds the open reports a submission may join: the first <see cref="Report.DuplicateKeyLength"/> hexadecimal
    /// characters of the SHA-256 of the site, the page (query and fragment aside), the prefix, the passage and the
    /// suffix, one a line, in UTF-8. Whether it joins one is decided on the passage itself.
    /// </summary>
    public static string DuplicateKey(string siteKey, Uri url, string prefix, string exact, string suffix)
    {
        var passage = string.Join('\n', siteKey.ToLowerInvariant(), url.GetLeftPart(UriPartial.Path), prefix, exact, suffix);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passage)).AsSpan(0, Report.DuplicateKeyLength / 2));
    }
}
