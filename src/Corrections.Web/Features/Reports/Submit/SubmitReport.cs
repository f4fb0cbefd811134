using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Pipeline;
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
    long? ElapsedMs = null) : ICommand<SubmitReportResult>, ITransactionalCommand;

/// <param name="Joined">The report already existed: this submission was a repeat or another reader's duplicate.</param>
public sealed record SubmitReportResult(Guid Id, ReportStatus Status, bool Joined);

public sealed class SubmitReportHandler(CorrectionsDb db, SiteDirectory sites, TimeProvider time, IOptions<AbuseOptions> abuse, ILogger<SubmitReportHandler> logger)
    : ICommandHandler<SubmitReport, SubmitReportResult>
{
    public async ValueTask<SubmitReportResult> Handle(SubmitReport command, CancellationToken cancellationToken)
    {
        var site = sites.Find(command.Site)!; // the validator has checked it
        var now = time.GetUtcNow();
        var clientRequestId = command.ClientRequestId ?? Guid.NewGuid().ToString();

        var repeat = await db.ReportSubmissions
            .Where(s => s.SiteKey == site.Key && s.ClientRequestId == clientRequestId)
            .Join(db.Reports, s => s.ReportId, r => r.Id, (s, r) => new { r.Id, r.Status })
            .FirstOrDefaultAsync(cancellationToken);
        if (repeat is not null)
            return new SubmitReportResult(repeat.Id, repeat.Status, Joined: true);

        var submission = new ReportSubmission
        {
            SiteKey = site.Key,
            ClientRequestId = clientRequestId,
            Suggestion = command.Suggestion,
            Comment = command.Comment,
            ReaderEmail = command.ReaderEmail,
            ReceivedAt = now,
            ClientHash = command.ClientHash,
        };

        var trap = TrapReason(command);
        var duplicateKey = DuplicateKey(site.Key, command.Url, command.Prefix, command.Exact, command.Suffix);
        var open = trap is not null ? null : await db.Reports.FirstOrDefaultAsync(r => r.DuplicateKey == duplicateKey && r.Status == ReportStatus.New, cancellationToken);
        if (open is not null)
        {
            open.ReaderCount++;
            open.UpdatedAt = now;
            open.Submissions.Add(submission);
            return new SubmitReportResult(open.Id, open.Status, Joined: true);
        }

        var report = new Report
        {
            Id = Guid.CreateVersion7(now),
            SiteKey = site.Key,
            Url = StoredUrl(command.Url),
            DuplicateKey = duplicateKey,
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
            ReplyToken = NewReplyToken(),
            Submissions = [submission],
        };
        db.Reports.Add(report);
        if (trap is not null)
        {
            // Answered like any report, so the bot learns nothing; kept as spam for analysis and never mailed.
            report.Status = ReportStatus.Spam;
            report.ClosedAt = now;
            report.History.Add(new ReportEvent
            {
                At = now, Actor = "bot trap", Channel = TriageChannel.Filter, Action = "spam",
                FromStatus = ReportStatus.New, ToStatus = ReportStatus.Spam, Note = trap,
            });
            logger.LogInformation("Report {ReportId} on {Site} caught by a bot trap: {Reason}", report.Id, site.Key, trap);
            return new SubmitReportResult(report.Id, ReportStatus.New, Joined: false);
        }
        foreach (var editor in site.Editors)
            db.Outbox.Add(OutboxNotifications.Create(new ReportSubmitted(report.Id, editor), now));
        logger.LogInformation("Report {ReportId} on {Site} received", report.Id, site.Key);
        return new SubmitReportResult(report.Id, report.Status, Joined: false);
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

    /// <summary>The URL as stored: escaped, without the default port and without the fragment, which is only the reader's position.</summary>
    public static string StoredUrl(string url) => new Uri(url).GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);

    /// <summary>128 random bits in lower-case base32: safe in the local part of an address, whatever the mail server does with case.</summary>
    public static string NewReplyToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var token = new StringBuilder(26);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                token.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
            token.Append(alphabet[(buffer << (5 - bits)) & 31]);
        return token.ToString();
    }

    /// <summary>Reports on the same page (query and fragment aside) about the same quoted passage are one report.</summary>
    public static string DuplicateKey(string siteKey, string url, string prefix, string exact, string suffix)
    {
        var page = new Uri(url).GetLeftPart(UriPartial.Path);
        var text = $"{siteKey.ToLowerInvariant()}\n{page}\n{prefix}\n{exact}\n{suffix}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
